// The postback domain's entry point: queue, inspect and operate postbacks, and run deliveries.
import { randomBytes } from 'node:crypto'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { buildRequest } from './delivery/request.js'
import type { AttemptResult, HttpClient } from './delivery/http-client.js'
import { decideOutcome } from './retry-policy.js'
import type { EnqueueBody } from './schemas.js'
import type { ChangeResult, ListFilter, ListPage, ListQuery, PostbackStore } from './stores/store.js'
import type { AttemptOutcome, DueDelivery, NewPostback, PostbackView } from './types.js'

export interface PostbackServiceOptions {
  store: PostbackStore
  http: HttpClient
  userAgent: string
  maxAttempts: number
  backoffMs: number
  timeoutMs: number
  concurrency: number
  /** A postback reached completed or failed. */
  onFinished?: (postback: PostbackView) => void
  onError?: (error: unknown) => void
}

export interface QueueStats {
  counts: Record<PostbackView['status'], number>
  total: number
  oldestPendingAgeMs: number | null
  inFlight: number
}

export type PostbackService = ReturnType<typeof createPostbackService>

export function createPostbackService(options: PostbackServiceOptions) {
  const { store } = options
  let inFlight = 0

  async function process(delivery: DueDelivery, shutdown: AbortSignal): Promise<AttemptOutcome> {
    inFlight++
    let result: AttemptResult
    try {
      result = await options.http.send(buildRequest(delivery, options.userAgent), delivery, shutdown)
    } catch (error) {
      result = { startedAt: Date.now(), durationMs: 0, error: error instanceof Error ? error.message : String(error) }
    } finally {
      inFlight--
    }
    return decideOutcome(result, delivery.attemptsMade + 1, delivery.maxAttempts, { backoffMs: options.backoffMs })
  }

  return {
    storeKind: store.kind,

    healthy: (): Promise<boolean> => store.ping(),

    /** Stores a postback; resolves once it is durable. */
    async enqueue(input: EnqueueBody): Promise<{ id: string; created: boolean }> {
      return store.add(newPostback(input, options, Date.now()))
    },

    async get(id: string): Promise<PostbackView> {
      const postback = await store.get(id)
      if (!postback) throw new NotFoundError(`No postback with id ${id}`)
      return postback
    },

    list(query: ListQuery): Promise<ListPage> {
      return store.list(query)
    },

    async retry(id: string): Promise<PostbackView> {
      return unwrap(await store.retry(id, Date.now()), id, 'retried')
    },

    retryMany(filter: ListFilter): Promise<number> {
      return store.retryMany(filter, Date.now())
    },

    async cancel(id: string): Promise<PostbackView> {
      return unwrap(await store.cancel(id, Date.now()), id, 'canceled')
    },

    async stats(): Promise<QueueStats> {
      const { byStatus, oldestPendingAt } = await store.counts()
      return {
        counts: byStatus,
        total: Object.values(byStatus).reduce((a, b) => a + b, 0),
        oldestPendingAgeMs: oldestPendingAt === null ? null : Math.max(0, Date.now() - oldestPendingAt),
        inFlight,
      }
    },

    /** Starts delivering. */
    start(): void {
      store.consume({
        concurrency: options.concurrency,
        process,
        onFinished: (postback) => options.onFinished?.(postback),
        reportError: (error) => options.onError?.(error),
      })
    },

    /** Stops delivering; attempts in flight get up to drainMs to finish. */
    async close(drainMs: number): Promise<void> {
      await store.close(drainMs)
      await options.http.close()
    },
  }
}

function unwrap(result: ChangeResult, id: string, verb: string): PostbackView {
  if (result.ok) return result.postback
  if (result.reason === 'not_found') throw new NotFoundError(`No postback with id ${id}`)
  throw new ConflictError(`Postback ${id} is ${result.status} and cannot be ${verb}`)
}

/** Ids look like the original's: `<epoch ms>-<9 random base-36 characters>`. */
export function newPostbackId(now: number): string {
  const random = randomBytes(8).readBigUInt64BE().toString(36).padStart(9, '0').slice(-9)
  return `${now}-${random}`
}

function newPostback(input: EnqueueBody, options: PostbackServiceOptions, now: number): NewPostback {
  const url = parsePostbackUrl(input.postbackUrl)
  return {
    id: newPostbackId(now),
    url: input.postbackUrl,
    destination: destinationOf(url),
    method: input.method ?? 'POST',
    headers: checkHeaders(input.headers ?? {}),
    body: JSON.stringify(input.payload),
    maxAttempts: options.maxAttempts,
    timeoutMs: options.timeoutMs,
    createdAt: now,
    runAt: now,
  }
}

export function parsePostbackUrl(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError('postbackUrl must be an absolute http or https URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('postbackUrl must use http or https')
  }
  if (url.username || url.password) {
    throw new ValidationError('postbackUrl must not contain credentials; send them in headers instead')
  }
  return url
}

/** scheme://host:port — the unit receivers are told apart by. */
export function destinationOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return `${url.protocol}//${url.hostname}:${port}`
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** Set by the HTTP client or forbidden by it; a caller's value would break the request. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
])

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(`headers: "${name}" is not a valid header name`)
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ValidationError(`headers: "${name}" is set by the server and cannot be given`)
    }
    if (!HEADER_VALUE.test(value)) {
      throw new ValidationError(`headers: the value of "${name}" contains characters not allowed in a header`)
    }
  }
  return headers
}
