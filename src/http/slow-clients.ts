// Slow clients (SPEC §6) cannot hold connections. A request whose headers and body have not all
// arrived within REQUEST_TIMEOUT_MS is answered 408 and closed (clientErrorHandler writes the
// answer); Node looks for late requests every connectionsCheckingInterval, so checking at half the
// timeout answers within 1.5 times it. An idle keep-alive connection closes after
// KEEP_ALIVE_TIMEOUT_MS. A request is timed only until its last byte arrives: a Socket.IO long
// poll waiting for its answer is not timed, and neither is an upgraded WebSocket.
import type { FastifyHttpOptions } from 'fastify'
import type { Server } from 'node:http'
import type { Config } from '../config.js'

type TimeoutOptions = Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'keepAliveTimeout' | 'http'>

export function slowClientTimeouts(config: Config): TimeoutOptions {
  const requestTimeout = config.REQUEST_TIMEOUT_MS
  return {
    requestTimeout,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Node times headers apart from the whole request: both get the one limit.
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.ceil(requestTimeout / 2) },
  }
}
