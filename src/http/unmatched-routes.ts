// Requests no route takes. A path that exists with other methods is answered 405 with an Allow
// header naming them; a destination written into the path without URL-encoding (its slashes make
// it look like more segments) is a 400 showing the path it meant; anything else is a 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js'

/** The methods a path may have (OPTIONS is the CORS preflight every path answers). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
const DESTINATIONS = '/api/destinations/'
const UNENCODED_DESTINATION = /^(https?):\/+([^/?#]+)(?:\/(.*))?$/i

export function answerUnmatchedRoutes(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      throw new MethodNotAllowedError(`${request.method} is not allowed on ${path}; it allows ${allowed.join(', ')}`)
    }
    const destination = path.startsWith(DESTINATIONS) ? path.slice(DESTINATIONS.length) : undefined
    const unencoded = destination === undefined ? undefined : unencodedDestination(app, request.method, destination)
    if (unencoded !== undefined) throw new ValidationError(unencoded)
    throw new NotFoundError(`Route ${request.method} ${path} not found`)
  })
}

/**
 * What to say about `http://host:port[/rest]` after /api/destinations/: the path with the
 * destination encoded, when `rest` names a route of a destination (`pause`, `secret`…); otherwise
 * the destination has a path, which no destination has (SPEC §7: 400, as for an encoded one).
 */
function unencodedDestination(app: FastifyInstance, method: string, rest: string): string | undefined {
  const match = UNENCODED_DESTINATION.exec(rest)
  if (match === null) return undefined
  const [, scheme, host, tail] = match
  const encoded = `${DESTINATIONS}${encodeURIComponent(`${scheme}://${host}`)}`
  const meant = tail ? `${encoded}/${tail}` : encoded
  if (!tail || METHODS.some((other) => app.findRoute({ method: other, url: meant }) !== null)) {
    return `the destination in the path must be URL-encoded: ${method} ${meant}`
  }
  return `a destination is an origin (scheme, host and port) without a path, and URL-encoded in the path: ${method} ${encoded}`
}
