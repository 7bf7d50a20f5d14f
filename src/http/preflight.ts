// OPTIONS requests are CORS preflights. One without the headers of a preflight gets the one error
// shape, not the CORS plugin's plain-text answer.
import type { FastifyInstance } from 'fastify'
import { BadRequestError } from '../errors.js'

/** Registered before the CORS plugin, so that this check runs first. */
export function refuseMalformedPreflights(app: FastifyInstance): void {
  // A callback hook: it runs on every request, and an async one would cost a promise each.
  app.addHook('onRequest', (request, _reply, done) => {
    const preflight = request.headers.origin && request.headers['access-control-request-method']
    if (request.method !== 'OPTIONS' || preflight) return done()
    done(new BadRequestError('An OPTIONS request is a CORS preflight: it needs Origin and Access-Control-Request-Method headers'))
  })
}
