// Logger options: JSON lines in production and tests, pretty in development; secrets redacted.
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'apiToken',
  'token',
]

export function loggerOptions(config: Config): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(config.NODE_ENV === 'development'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  }
}

/** Query parameters that may carry a token (Socket.IO clients and some proxies put it there). */
const SECRET_QUERY = /([?&](?:token|access_token|api_token|apiToken|auth)=)[^&#]*/gi

/** The URL with the value of every token-like query parameter replaced. */
export const redactUrl = (url: string) => url.replace(SECRET_QUERY, '$1[redacted]')

/** A line per request is too much for a hot path: requests are logged at debug level only. */
export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: redactUrl(request.url) }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ err: error, status: reply.statusCode }, 'request errored')
    else reply.log.debug({ status: reply.statusCode, ms: reply.elapsedTime }, 'request completed')
  }
}
