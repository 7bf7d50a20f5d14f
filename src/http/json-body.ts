// The one parser of JSON request bodies. Besides parsing, it refuses what would break or
// endanger the code that handles the body later: nesting deeper than 64 levels (JSON.stringify
// and the Socket.IO encoder recurse and would overflow the stack) and prototype keys; and fields
// sent to a route that takes no body, which would otherwise be dropped in silence.
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'
import { MAX_JSON_DEPTH, findJsonViolation, type JsonViolation } from '../json-bounds.js'

const { FST_ERR_CTP_INVALID_JSON_BODY } = errorCodes

export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    // Many clients send Content-Type: application/json with every request: an empty body is no
    // body, which a route that takes none or makes it optional accepts, and validation refuses
    // where one is required ("body is required").
    const json = text as string
    if (json.trim() === '') return done(null, undefined)
    let body: unknown
    try {
      body = JSON.parse(json)
    } catch {
      return done(new FST_ERR_CTP_INVALID_JSON_BODY(), undefined)
    }
    const violation = findJsonViolation(body, { maxDepth: MAX_JSON_DEPTH, refusePrototypeKeys: true })
    if (violation) return done(new ValidationError(explain(violation)), undefined)
    const unexpected = takesNoBody(request) ? unexpectedBody(body) : undefined
    if (unexpected) return done(new ValidationError(unexpected), undefined)
    done(null, body)
  })
}

/** A route without a body schema takes no body (a route no path matches is answered apart). */
const takesNoBody = (request: FastifyRequest) => !request.is404 && request.routeOptions.schema?.body === undefined

/** What is wrong with a body sent to a route that takes none: `{}` and `null` say nothing, and pass. */
function unexpectedBody(body: unknown): string | undefined {
  if (body === null) return undefined
  if (typeof body !== 'object' || Array.isArray(body)) return 'body must be empty: this route takes no body'
  const [first] = Object.keys(body)
  return first === undefined ? undefined : `body/${first} is not a known field: this route takes no body`
}

/** A route's preValidation hook for a body that may be left out: none reads as `{}`. */
export async function noBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

function explain({ field, problem }: JsonViolation): string {
  if (problem === 'prototype') return 'body must not contain a __proto__ or constructor.prototype key'
  return `${field === undefined ? 'body' : `body/${field}`} is nested deeper than ${MAX_JSON_DEPTH} levels`
}
