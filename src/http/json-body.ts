// The one parser of JSON request bodies. Besides parsing, it refuses what would break or
// endanger the code that handles the body later: nesting deeper than 64 levels (JSON.stringify
// and the Socket.IO encoder recurse and would overflow the stack) and prototype keys.
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'
import { MAX_JSON_DEPTH, findJsonViolation, type JsonViolation } from '../json-bounds.js'

const { FST_ERR_CTP_EMPTY_JSON_BODY, FST_ERR_CTP_INVALID_JSON_BODY } = errorCodes

export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text.length === 0) return done(new FST_ERR_CTP_EMPTY_JSON_BODY(), undefined)
    let body: unknown
    try {
      body = JSON.parse(text as string)
    } catch {
      return done(new FST_ERR_CTP_INVALID_JSON_BODY(), undefined)
    }
    const violation = findJsonViolation(body, { maxDepth: MAX_JSON_DEPTH, refusePrototypeKeys: true })
    if (violation) return done(new ValidationError(explain(violation)), undefined)
    done(null, body)
  })
}

/** A route's preValidation hook for a body that may be left out: none reads as `{}`. */
export async function noBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  request.body ??= {}
}

function explain({ field, problem }: JsonViolation): string {
  if (problem === 'prototype') return 'body must not contain a __proto__ or constructor.prototype key'
  return `${field === undefined ? 'body' : `body/${field}`} is nested deeper than ${MAX_JSON_DEPTH} levels`
}
