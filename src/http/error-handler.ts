// One error shape for every failure: {error, message}. Fastify's own errors get our codes;
// the text of unexpected 5xx errors stays in the log.
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { codes, fallbackCodeFor, isErrorCode, type ErrorCode } from '../errors.js'
import { answerUnmatchedRoutes } from './unmatched-routes.js'

const CODE_FOR_FASTIFY_ERROR: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: codes.INVALID_JSON,
  FST_ERR_CTP_BODY_TOO_LARGE: codes.PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: codes.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: codes.BAD_REQUEST,
  FST_ERR_VALIDATION: codes.VALIDATION_ERROR,
}

function errorBody(error: FastifyError, status: number): { error: string; message: string } {
  if (error.validation) return { error: codes.VALIDATION_ERROR, message: error.message }
  const mapped = error.code ? CODE_FOR_FASTIFY_ERROR[error.code] : undefined
  // Codes of our own catalogue pass through; any other (Node's, a library's) is not for clients.
  const own = error.code && isErrorCode(error.code) ? error.code : undefined
  if (status >= 500 && own === undefined) return { error: codes.INTERNAL_ERROR, message: 'Internal server error' }
  const code = mapped ?? own ?? fallbackCodeFor(status) ?? codes.BAD_REQUEST
  return { error: code, message: error.message }
}

/**
 * A 5xx of our catalogue (the store unreachable or full, shutting down) is a known state that its
 * code and message describe: one line, no stack, however many requests it refuses.
 */
function logFailure(log: FastifyBaseLogger, error: FastifyError): void {
  if (error.code && isErrorCode(error.code)) log.error({ code: error.code }, `request failed: ${error.message}`)
  else log.error({ err: error }, 'request failed')
}

async function errorHandling(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const candidate = error.statusCode ?? 500
    const status = candidate >= 400 && candidate < 600 ? candidate : 500
    if (status >= 500) logFailure(request.log, error)
    const body = errorBody(error, status)
    // A client without the token gets no further: the connection closes without reading the rest of the body.
    if (body.error === codes.UNAUTHORIZED) reply.header('www-authenticate', 'Bearer').header('connection', 'close')
    return reply.status(status).send(body)
  })

  answerUnmatchedRoutes(app)
}

export default fp(errorHandling, { name: 'error-handling' })
