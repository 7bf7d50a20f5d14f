// The one message of a refused request part: it names the field and says what the field allows
// (the values of an enum, the form of a date-time, the one rule of a field that may also be null,
// the fields an object has). Every route's validation and each dispatch of a batch use it.
import type { ErrorObject } from 'ajv'

/** An ajv error with the schema details ajv adds in verbose mode. */
type SchemaError = Pick<ErrorObject, 'keyword' | 'instancePath' | 'schemaPath' | 'params' | 'message'> & {
  schema?: unknown
  parentSchema?: Record<string, unknown>
  data?: unknown
}

const DATE_TIME = 'an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z'

/** Fastify's schemaErrorFormatter: `dataVar` is body, querystring, params or headers. */
export function schemaErrorFormatter(errors: SchemaError[], dataVar: string): Error {
  return new Error(describeSchemaErrors(errors, dataVar))
}

/**
 * Validation stops at the first failure, so the errors are one, or for a union the failures of
 * each branch followed by the union's own error.
 */
export function describeSchemaErrors(errors: readonly SchemaError[], where: string): string {
  const last = errors.at(-1)
  if (last === undefined) return `${where} is not valid`
  return last.keyword === 'anyOf' ? describeUnion(errors.slice(0, -1), last, where) : describe(last, where)
}

/** A field that may be null, or one of several shapes: the rule of the branches that are not null. */
function describeUnion(branchErrors: readonly SchemaError[], union: SchemaError, where: string): string {
  const branches = Array.isArray(union.schema) ? (union.schema as Record<string, unknown>[]) : []
  const rules = branches.flatMap((branch, index) => {
    if (branch.type === 'null') return []
    const own = branchErrors.filter((e) => e.schemaPath.startsWith(`${union.schemaPath}/${index}/`))
    return own.length > 0 ? [describeSchemaErrors(own, where)] : []
  })
  if (rules.length === 0) return describe(union, where)
  const nullable = branches.some((branch) => branch.type === 'null')
  return `${rules.join(', or ')}${nullable ? ', or null' : ''}`
}

function describe(error: SchemaError, where: string): string {
  const field = `${where}${error.instancePath}`
  const { params } = error
  switch (error.keyword) {
    case 'enum':
      return `${field} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`
    case 'format':
      return params.format === 'date-time' ? `${field} must be ${DATE_TIME}` : `${field} ${error.message}`
    case 'additionalProperties':
      return `${field}/${String(params.additionalProperty)} is not a known field; ${knownFields(error.parentSchema)}`
    case 'type':
      // No body at all (Fastify reads one that was not sent, or was empty, as null).
      if (error.instancePath === '' && (error.data === undefined || error.data === null)) return `${where} is required: a JSON ${String(params.type)}`
      return `${field} ${error.message}`
    default:
      return `${field} ${error.message}`
  }
}

function knownFields(schema: Record<string, unknown> | undefined): string {
  const names = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {})
  return names.length > 0 ? `allowed: ${names.join(', ')}` : 'it takes no fields'
}
