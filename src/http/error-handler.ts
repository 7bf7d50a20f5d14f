// One error shape for every failure: {error, message}. Fastify's own errors get our codes;
// the text of unexpected 5xx errors stays in the log.
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

const CODE_FOR_FASTIFY_ERROR: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
}

const CODE_FOR_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
}

const UPPER_SNAKE = /^[A-Z][A-Z0-9_]*$/

export function errorBody(error: FastifyError, status: number): { error: string; message: string } {
  if (error.validation) return { error: 'VALIDATION_ERROR', message: error.message }
  const mapped = error.code ? CODE_FOR_FASTIFY_ERROR[error.code] : undefined
  const own = error.code && !error.code.startsWith('FST_') && UPPER_SNAKE.test(error.code) ? error.code : undefined
  const code = mapped ?? own ?? CODE_FOR_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST')
  if (status >= 500 && own === undefined) return { error: 'INTERNAL_ERROR', message: 'Internal server error' }
  return { error: code, message: error.message }
}

async function errorHandling(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const candidate = error.statusCode ?? 500
    const status = candidate >= 400 && candidate < 600 ? candidate : 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    const body = errorBody(error, status)
    if (body.error === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer')
    return reply.status(status).send(body)
  })

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'NOT_FOUND', message: `Route ${request.method} ${request.url.split('?')[0]} not found` }),
  )
}

export default fp(errorHandling, { name: 'error-handling' })
