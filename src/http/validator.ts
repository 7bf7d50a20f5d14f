// Request validation: JSON bodies are taken exactly as sent; strings from the URL (query and
// path parameters) are coerced to the types their schema asks for.
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

const common: Options = { useDefaults: true, removeAdditional: true, allErrors: false, addUsedSchema: false }

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const exact = new Ajv({ ...common, coerceTypes: false })
  const coercing = new Ajv({ ...common, coerceTypes: 'array' })
  addFormats.default(exact)
  addFormats.default(coercing)
  return ({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema as object)
}
