// How one delivery attempt goes out: a keep-alive undici pool, no redirects, a hard per-attempt
// deadline, and a short record of what the receiver said. Attempts drive undici's dispatcher
// directly (a handler that keeps the first bytes of the answer, a controller that cuts the
// attempt off at its deadline or at shutdown), which is the cheapest way undici offers.
import type { IncomingHttpHeaders } from 'node:http'
import type { LookupFunction } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import { codes } from '../../errors.js'
import type { DueDelivery } from '../types.js'
import { guardedLookup, literalBlockReason } from './ssrf-guard.js'

/** What one attempt produced, before the retry policy judges it. */
export interface AttemptResult {
  startedAt: number
  durationMs: number
  statusCode?: number
  error?: string
  responseBody?: string
  /** from a Retry-After header on 429/503 */
  retryAfterMs?: number
  /** the failure can never turn into a success by retrying (a blocked destination) */
  permanent?: boolean
  /** the attempt ran out of time */
  timedOut?: boolean
}

export interface DeliveryRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body?: string
}

export const RESPONSE_BODY_LIMIT = 1024
/** Past this much response, the rest is not worth reading: the connection is dropped instead. */
const RESPONSE_DRAIN_LIMIT = 64 * 1024

export interface HttpClient {
  send(request: DeliveryRequest, delivery: Pick<DueDelivery, 'timeoutMs'>, shutdown: AbortSignal): Promise<AttemptResult>
  close(): Promise<void>
}

export interface HttpClientOptions {
  /** keep-alive connections per origin */
  connectionsPerOrigin: number
  /** refuse loopback, private, link-local and metadata destinations */
  blockPrivateNetworks: boolean
  /** resolves destination hostnames; the system resolver by default */
  lookup?: LookupFunction
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const lookup = options.blockPrivateNetworks ? guardedLookup(options.lookup) : options.lookup
  const agent = new Agent({
    connections: options.connectionsPerOrigin,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    ...(lookup ? { connect: { lookup } } : {}),
  })
  /** attempts under way, each with the function that cuts it off */
  const active = new Set<(reason: string) => void>()
  const watched = new WeakSet<AbortSignal>()

  function send(
    request: DeliveryRequest,
    delivery: Pick<DueDelivery, 'timeoutMs'>,
    shutdown: AbortSignal,
  ): Promise<AttemptResult> {
    const startedAt = Date.now()
    // Literal addresses never reach the resolver, so they are checked here, at every attempt.
    const blocked = options.blockPrivateNetworks ? literalBlockReason(request.url) : undefined
    if (blocked !== undefined) {
      return Promise.resolve({ startedAt, durationMs: 0, error: `${codes.BLOCKED_DESTINATION}: ${blocked}`, permanent: true })
    }
    if (!watched.has(shutdown)) {
      watched.add(shutdown)
      shutdown.addEventListener('abort', () => {
        for (const cut of active) cut('Interrupted by shutdown')
      })
    }

    return new Promise((resolve) => {
      let controller: Dispatcher.DispatchController | undefined
      let over = false
      let statusCode: number | undefined
      let headers: IncomingHttpHeaders = {}
      const kept: Buffer[] = []
      let keptBytes = 0
      let seen = 0

      const finish = (result: Omit<AttemptResult, 'startedAt' | 'durationMs'>) => {
        if (over) return
        over = true
        clearTimeout(deadline)
        active.delete(cut)
        resolve({ startedAt, durationMs: Date.now() - startedAt, ...result })
      }
      const answered = () =>
        finish({
          statusCode,
          ...(keptBytes ? { responseBody: Buffer.concat(kept).toString('utf8') } : {}),
          ...retryAfter(statusCode!, headers['retry-after'], Date.now()),
        })
      const cut = (reason: string, result: Omit<AttemptResult, 'startedAt' | 'durationMs'> = { error: reason }) => {
        finish(result)
        controller?.abort(new Error(reason))
      }
      const deadline = setTimeout(
        () => cut('deadline', { error: `Timed out after ${delivery.timeoutMs} ms`, timedOut: true }),
        delivery.timeoutMs,
      )
      active.add(cut)

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started
          if (over) started.abort(new Error('attempt over'))
        },
        onResponseStart(_controller, code, responseHeaders) {
          if (code < 200) return // informational; the real answer follows
          statusCode = code
          headers = responseHeaders
        },
        onResponseData(current, chunk) {
          if (keptBytes < RESPONSE_BODY_LIMIT) {
            const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - keptBytes)
            kept.push(part)
            keptBytes += part.length
          }
          seen += chunk.length
          if (seen > RESPONSE_DRAIN_LIMIT) {
            // The status already decided the attempt; the rest of a huge answer is not read.
            answered()
            current.abort(new Error('response too large'))
          }
        },
        onResponseEnd: () => answered(),
        onResponseError(_controller, error) {
          // An answer cut short after its status still counts as that status.
          if (statusCode !== undefined) answered()
          else finish({ error: describeError(error), ...(isPermanent(error) ? { permanent: true } : {}) })
        },
      }
      try {
        agent.dispatch(
          {
            origin: request.url.origin,
            path: request.url.pathname + request.url.search,
            method: request.method,
            headers: request.headers,
            body: request.body ?? null,
            headersTimeout: delivery.timeoutMs,
            bodyTimeout: delivery.timeoutMs,
          },
          handler,
        )
      } catch (error) {
        finish({ error: describeError(error) })
      }
    })
  }

  // Attempts still connecting when the service stops are cut off rather than waited for.
  return { send, close: () => agent.destroy() }
}

/** Retry-After (seconds or an HTTP date) on 429 and 503, as milliseconds from now. */
export function retryAfter(
  statusCode: number,
  header: string | string[] | undefined,
  now: number,
): { retryAfterMs?: number } {
  if ((statusCode !== 429 && statusCode !== 503) || typeof header !== 'string') return {}
  const value = header.trim()
  if (/^\d+$/.test(value)) return { retryAfterMs: Number(value) * 1000 }
  const date = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : Number.NaN
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - now) }
}

/** Errors carrying `permanent: true` (the connect-time SSRF guard's) are never retried. */
function isPermanent(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if ((current as { permanent?: unknown }).permanent === true) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? error.cause : undefined
  const code = (cause ?? error) as { code?: unknown }
  const message = cause?.message ?? error.message
  return typeof code.code === 'string' && !message.includes(code.code) ? `${code.code}: ${message}` : message
}
