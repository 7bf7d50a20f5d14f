// How one delivery attempt goes out: a keep-alive undici pool, no redirects, a hard per-attempt
// timeout, and a short record of what the receiver said.
import type { LookupFunction } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
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
  send(request: DeliveryRequest, delivery: Pick<DueDelivery, 'timeoutMs'>, signal: AbortSignal): Promise<AttemptResult>
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

  async function send(
    request: DeliveryRequest,
    delivery: Pick<DueDelivery, 'timeoutMs'>,
    shutdown: AbortSignal,
  ): Promise<AttemptResult> {
    const startedAt = Date.now()
    // Literal addresses never reach the resolver, so they are checked here, at every attempt.
    const blocked = options.blockPrivateNetworks ? literalBlockReason(request.url) : undefined
    if (blocked !== undefined) return { startedAt, durationMs: 0, error: `BLOCKED_DESTINATION: ${blocked}`, permanent: true }
    // One controller per attempt, aborted by its deadline or by shutdown (cheaper than
    // AbortSignal.timeout + AbortSignal.any, which showed in delivery profiles).
    const controller = new AbortController()
    let timedOut = false
    const deadline = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, delivery.timeoutMs)
    const onShutdown = () => controller.abort()
    shutdown.addEventListener('abort', onShutdown, { once: true })
    try {
      const pending = agent.request({
        origin: request.url.origin,
        path: request.url.pathname + request.url.search,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? null,
        signal: controller.signal,
        headersTimeout: delivery.timeoutMs,
        bodyTimeout: delivery.timeoutMs,
      })
      const response = await untilAborted(pending, controller.signal)
      const responseBody = await readPrefix(response.body)
      return {
        startedAt,
        durationMs: Date.now() - startedAt,
        statusCode: response.statusCode,
        ...(responseBody ? { responseBody } : {}),
        ...retryAfter(response.statusCode, response.headers['retry-after'], Date.now()),
        ...(response.statusCode >= 300 && response.statusCode < 400 ? { error: `Redirect not followed (${response.statusCode})` } : {}),
      }
    } catch (error) {
      return {
        startedAt,
        durationMs: Date.now() - startedAt,
        ...(timedOut ? { error: `Timed out after ${delivery.timeoutMs} ms`, timedOut: true } : { error: describeError(error) }),
        ...(isPermanent(error) ? { permanent: true } : {}),
      }
    } finally {
      clearTimeout(deadline)
      shutdown.removeEventListener('abort', onShutdown)
    }
  }

  // Attempts still connecting when the service stops are cut off rather than waited for.
  return { send, close: () => agent.destroy() }
}

/**
 * undici does not abort a connection that is still being set up (a slow DNS answer, a silent
 * SYN) until its own connect timeout; the attempt's deadline must not wait for that.
 */
function untilAborted<T extends Dispatcher.ResponseData>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason)
      pending.then((late) => late.body.destroy(), () => undefined)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  return Promise.race([pending, aborted]).finally(() => signal.removeEventListener('abort', onAbort!))
}

/** Keeps the first RESPONSE_BODY_LIMIT bytes; drains a little more so the connection can be reused. */
async function readPrefix(body: Dispatcher.ResponseData['body']): Promise<string> {
  const kept: Buffer[] = []
  let keptBytes = 0
  let seen = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (keptBytes < RESPONSE_BODY_LIMIT) {
        const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - keptBytes)
        kept.push(part)
        keptBytes += part.length
      }
      seen += chunk.length
      if (seen > RESPONSE_DRAIN_LIMIT) {
        body.destroy()
        break
      }
    }
  } catch {
    // The status already decided the attempt; a body cut short only shortens the record.
  }
  return Buffer.concat(kept).toString('utf8')
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
