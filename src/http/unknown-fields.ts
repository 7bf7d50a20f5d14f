// Unknown body fields. Every body schema refuses fields it does not name (validator.ts); the two
// seed routes, whose original accepted anything, still accept unknown top-level fields, but say
// so: each is left out of the body, named in the answer's `warnings` and in one warn log line.
import type { FastifyRequest, preSerializationHookHandler, preValidationHookHandler } from 'fastify'
import Type, { type TObject } from 'typebox'

const WarningsSchema = Type.Array(Type.String(), {
  description: 'only when the body had fields this route does not know: one line each, saying it was ignored',
  examples: [["unknown field 'delay' ignored"]],
})

interface SeedRoute {
  schema: { body: TObject; response: { 200: TObject } }
  preValidation?: never
  preSerialization?: never
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The options of a seed route, with unknown top-level fields accepted and reported. The objects
 * inside the body stay closed, as everywhere.
 */
export function reportingUnknownFields<T extends SeedRoute>(route: T): T {
  const known = new Set(Object.keys(route.schema.body.properties))
  const ignored = new WeakMap<FastifyRequest, string[]>()
  const answer = route.schema.response[200]

  const preValidation: preValidationHookHandler = (request, _reply, done) => {
    const body = request.body
    const unknown = isObject(body) ? Object.keys(body).filter((name) => !known.has(name)) : []
    if (isObject(body) && unknown.length > 0) {
      for (const name of unknown) delete body[name]
      ignored.set(request, unknown)
      request.log.warn({ fields: unknown }, 'unknown body fields ignored')
    }
    done()
  }
  const preSerialization: preSerializationHookHandler<unknown> = (request, reply, payload, done) => {
    const fields = ignored.get(request)
    if (fields === undefined || reply.statusCode >= 300 || !isObject(payload)) return done(null, payload)
    done(null, { ...payload, warnings: fields.map((name) => `unknown field '${name}' ignored`) })
  }
  return {
    ...route,
    schema: {
      ...route.schema,
      response: { ...route.schema.response, 200: { ...answer, properties: { ...answer.properties, warnings: WarningsSchema } } },
    },
    preValidation,
    preSerialization,
  }
}
