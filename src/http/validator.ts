// Request validation: JSON bodies are taken exactly as sent, and every object a body schema
// defines is closed: a field it does not name is refused (400 naming it), never dropped in
// silence. Free-form values say so in their schema (`additionalProperties: true`, a record, or
// any value). Strings from the URL (query and path parameters) are coerced to the types their
// schema asks for.
import { Ajv, type FormatDefinition, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

// verbose: the messages (validation-messages.ts) name what a refused field allows from its schema.
const common: Options = { useDefaults: true, allErrors: false, addUsedSchema: false, verbose: true }

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const exact = withFormats(new Ajv({ ...common, coerceTypes: false }))
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? exact.compile(closedObjects(schema)) : coercing.compile(schema as object))
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Where a schema holds other schemas (as TypeBox writes them). */
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'] as const

/**
 * A copy of a body schema in which every object with named properties and no word on other
 * fields refuses them. The validator and the OpenAPI document both use it.
 */
export function closedObjects<T>(schema: T): T {
  if (!isObject(schema)) return schema
  const copy: Json = { ...schema }
  if (isObject(copy.properties)) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([name, value]) => [name, closedObjects(value)]))
    if (!('additionalProperties' in copy) && !('patternProperties' in copy)) copy.additionalProperties = false
  }
  if (isObject(copy.items)) copy.items = closedObjects(copy.items)
  for (const key of SUBSCHEMA_LISTS) {
    const list = copy[key]
    if (Array.isArray(list)) copy[key] = list.map((member: unknown) => closedObjects(member))
  }
  return copy as T
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
