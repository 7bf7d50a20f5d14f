// Requests no route takes. A path that exists with other methods is answered 405 with an Allow
// header naming them; anything else is a 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MethodNotAllowedError, NotFoundError } from '../errors.js'

/** The methods a path may have (OPTIONS is the CORS preflight every path answers). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export function answerUnmatchedRoutes(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      throw new MethodNotAllowedError(`${request.method} is not allowed on ${path}; it allows ${allowed.join(', ')}`)
    }
    throw new NotFoundError(`Route ${request.method} ${path} not found`)
  })
}
