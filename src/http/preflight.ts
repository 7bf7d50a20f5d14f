// OPTIONS requests are CORS preflights. One without the headers of a preflight gets the one error
// shape, not the CORS plugin's plain-text answer.
import type { FastifyInstance } from 'fastify'
import { BadRequestError } from '../errors.js'

/** Registered before the CORS plugin, so that this check runs first. */
export function refuseMalformedPreflights(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'OPTIONS') return
    if (request.headers.origin && request.headers['access-control-request-method']) return
    throw new BadRequestError('An OPTIONS request is a CORS preflight: it needs Origin and Access-Control-Request-Method headers')
  })
}
