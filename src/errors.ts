// The error catalogue: every code a client can see, defined once. Codes reach clients in HTTP
// answers ({error, message}), in socket refusals (connect_error's `data`, `error` events and acks),
// in /health `problems`, and at the start of a postback's `lastError`. The "Error codes" table of
// docs/errors.md lists the same codes; test/unit/error-catalogue.test.ts keeps the two in step.
import createError from '@fastify/error'

interface Entry {
  /** the HTTP status it is answered with; none: it never travels as an HTTP error */
  status?: number
  /** the code for any other error with this status that has no code of its own */
  fallback?: true
}

const CATALOGUE = {
  VALIDATION_ERROR: { status: 400 },
  INVALID_JSON: { status: 400 },
  BAD_REQUEST: { status: 400, fallback: true },
  UNAUTHORIZED: { status: 401, fallback: true },
  FORBIDDEN: { status: 403, fallback: true },
  NOT_FOUND: { status: 404, fallback: true },
  METHOD_NOT_ALLOWED: { status: 405, fallback: true },
  NOT_ACCEPTABLE: { status: 406, fallback: true },
  REQUEST_TIMEOUT: { status: 408, fallback: true },
  CONFLICT: { status: 409, fallback: true },
  INBOX_FULL: { status: 409 },
  PAYLOAD_TOO_LARGE: { status: 413, fallback: true },
  URI_TOO_LONG: { status: 414, fallback: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, fallback: true },
  IDEMPOTENCY_KEY_REUSED: { status: 422 },
  TOO_MANY_REQUESTS: { status: 429, fallback: true },
  HEADERS_TOO_LARGE: { status: 431, fallback: true },
  INTERNAL_ERROR: { status: 500, fallback: true },
  STORE_UNAVAILABLE: { status: 503 },
  SHUTTING_DOWN: { status: 503 },
  STORE_FULL: { status: 507 },
  // Sockets only: refusals of a connection or of an event.
  TOKEN_EXPIRED: {},
  INVALID_TOKEN: {},
  RATE_LIMITED: {},
  UNKNOWN_EVENT: {},
  TOO_MANY_CHANNELS: {},
  TOO_MANY_SOCKETS: {},
  // /health problems only.
  REDIS_DATA_LOST: {},
  // A /health problem, and the start of the lastError of the postbacks it keeps from being sent.
  SIGNING_SECRET_INVALID: {},
  // The start of a postback's lastError.
  BLOCKED_DESTINATION: {},
  DESTINATION_QUARANTINED: {},
} as const satisfies Record<string, Entry>

export type ErrorCode = keyof typeof CATALOGUE

/** Every code, in catalogue order. */
export const ERROR_CODES = Object.keys(CATALOGUE) as ErrorCode[]

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(CATALOGUE, code)

/** The codes by name, to use by reference: `codes.FORBIDDEN`. */
export const codes = Object.fromEntries(ERROR_CODES.map((code) => [code, code])) as { readonly [C in ErrorCode]: C }

/** The HTTP status of a code, or undefined for codes that never travel as HTTP errors. */
export const statusOf = (code: ErrorCode): number | undefined => (CATALOGUE[code] as Entry).status

/** The code for an error with this status and no code of its own. */
export const fallbackCodeFor = (status: number): ErrorCode | undefined =>
  ERROR_CODES.find((code) => (CATALOGUE[code] as Entry).fallback && statusOf(code) === status)

type HttpCode = { [C in ErrorCode]: (typeof CATALOGUE)[C] extends { status: number } ? C : never }[ErrorCode]

/** An error class answered with the code's status and `{error: code, message}`. */
const httpError = (code: HttpCode) => createError(code, '%s', CATALOGUE[code].status)

export const ValidationError = httpError('VALIDATION_ERROR')
export const BadRequestError = httpError('BAD_REQUEST')
export const UnauthorizedError = httpError('UNAUTHORIZED')
export const ForbiddenError = httpError('FORBIDDEN')
export const NotFoundError = httpError('NOT_FOUND')
export const MethodNotAllowedError = httpError('METHOD_NOT_ALLOWED')
export const ConflictError = httpError('CONFLICT')
export const InboxFullError = httpError('INBOX_FULL')
export const IdempotencyKeyReusedError = httpError('IDEMPOTENCY_KEY_REUSED')
export const StoreUnavailableError = httpError('STORE_UNAVAILABLE')
export const ShuttingDownError = httpError('SHUTTING_DOWN')
export const StoreFullError = httpError('STORE_FULL')
