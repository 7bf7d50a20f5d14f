// The error catalogue: every error a client can see, with its stable code and HTTP status.
// The HTTP error handler turns them into {error, message}; socket handlers reuse the codes.
import createError from '@fastify/error'

export const ValidationError = createError('VALIDATION_ERROR', '%s', 400)
export const BadRequestError = createError('BAD_REQUEST', '%s', 400)
export const UnauthorizedError = createError('UNAUTHORIZED', '%s', 401)
export const NotFoundError = createError('NOT_FOUND', '%s', 404)
export const ConflictError = createError('CONFLICT', '%s', 409)
export const StoreUnavailableError = createError('STORE_UNAVAILABLE', '%s', 503)
export const ShuttingDownError = createError('SHUTTING_DOWN', '%s', 503)
export const IdempotencyKeyReusedError = createError('IDEMPOTENCY_KEY_REUSED', '%s', 422)
export const StoreFullError = createError('STORE_FULL', '%s', 507)
