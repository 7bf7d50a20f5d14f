// Request validation: JSON bodies are taken exactly as sent; strings from the URL (query and
// path parameters) are coerced to the types their schema asks for.
import { Ajv, type FormatDefinition, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

// verbose: the messages (validation-messages.ts) name what a refused field allows from its schema.
const common: Options = { useDefaults: true, removeAdditional: true, allErrors: false, addUsedSchema: false, verbose: true }

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const exact = withFormats(new Ajv({ ...common, coerceTypes: false }))
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema as object)
}

/**
 * The standard formats, with a `date-time` that must also name a real instant: RFC 3339 allows a
 * leap second (`23:59:60`), which Date.parse turns into NaN, and every accepted date is used as
 * a time.
 */
function withFormats(ajv: Ajv): Ajv {
  addFormats.default(ajv)
  const rfc3339 = ajv.formats['date-time'] as FormatDefinition<string>
  ajv.addFormat('date-time', {
    ...rfc3339,
    validate: (value: string) => (rfc3339.validate as (v: string) => boolean)(value) && Number.isFinite(Date.parse(value)),
  })
  return ajv
}
