// The postback domain's entry point: queue, inspect and operate postbacks, and run deliveries.
import { ConflictError, NotFoundError } from '../errors.js'
import type { AttemptResult, HttpClient } from './delivery/http-client.js'
import { buildRequest } from './delivery/request.js'
import type { Signer } from './delivery/signing.js'
import { DestinationLimiter, signalOf, type DestinationStats } from './destination-limiter.js'
import { newPostback, type PostbackRules } from './new-postback.js'
import { decideOutcome } from './retry-policy.js'
import type { EnqueueBody, ListQueryInput, RetryFilter } from './schemas.js'
import type { ChangeResult, ListFilter, ListPage, PostbackStore } from './stores/store.js'
import type { AttemptOutcome, DueDelivery, Notify, PostbackStatus, PostbackView } from './types.js'

export interface PostbackServiceOptions {
  store: PostbackStore
  http: HttpClient
  rules: PostbackRules
  userAgent: string
  backoffMs: number
  /** deliveries in flight at once, and per destination */
  concurrency: number
  hostConcurrency: number
  sign?: Signer
  /** A postback that asked to be announced reached completed or failed. */
  notify?: (target: Notify, postback: PostbackView) => void
  observer?: PostbackObserver
  onError?: (error: unknown) => void
}

/** Hooks for metrics and logs. */
export interface PostbackObserver {
  enqueued(): void
  attempted(durationMs: number, outcome: AttemptOutcome, delivery: DueDelivery): void
  finished(status: PostbackStatus): void
}

export interface QueueStats {
  counts: Record<PostbackStatus, number>
  total: number
  oldestPendingAgeMs: number | null
  inFlight: number
  /** destinations that are busy, held back or failing, on this instance */
  hosts: DestinationStats[]
}

export type PostbackService = ReturnType<typeof createPostbackService>

export function createPostbackService(options: PostbackServiceOptions) {
  const { store } = options
  const limiter = new DestinationLimiter(options.hostConcurrency)
  let inFlight = 0

  async function process(delivery: DueDelivery, shutdown: AbortSignal): Promise<AttemptOutcome> {
    inFlight++
    limiter.acquire(delivery.destination)
    let result: AttemptResult
    try {
      const request = buildRequest(delivery, options.userAgent, options.sign)
      result = await options.http.send(request, delivery, shutdown)
    } catch (error) {
      result = { startedAt: Date.now(), durationMs: 0, error: error instanceof Error ? error.message : String(error) }
    }
    inFlight--
    limiter.release(delivery.destination, signalOf(result))
    const outcome = decideOutcome(result, delivery.attemptsMade + 1, delivery.maxAttempts, { backoffMs: options.backoffMs })
    options.observer?.attempted(result.durationMs, outcome, delivery)
    return outcome
  }

  return {
    storeKind: store.kind,

    healthy: (): Promise<boolean> => store.ping(),

    /** Throws the ValidationError that enqueue would, without storing anything. */
    validate(input: EnqueueBody): void {
      newPostback(input, undefined, options.rules, Date.now())
    },

    /** Stores a postback; resolves once it is durable. `created` is false for an idempotent repeat. */
    async enqueue(input: EnqueueBody, idempotencyHeader?: string): Promise<{ id: string; created: boolean }> {
      const added = await store.add(newPostback(input, idempotencyHeader, options.rules, Date.now()))
      if (added.created) options.observer?.enqueued()
      return added
    },

    async get(id: string): Promise<PostbackView> {
      const postback = await store.get(id)
      if (!postback) throw new NotFoundError(`No postback with id ${id}`)
      return postback
    },

    list({ limit, cursor, status, ...filter }: ListQueryInput): Promise<ListPage> {
      return store.list({
        ...toStoreFilter(filter),
        ...(status === undefined ? {} : { status }),
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      })
    },

    async retry(id: string): Promise<PostbackView> {
      return unwrap(await store.retry(id, Date.now()), id, 'retried')
    },

    retryMany({ status, ...filter }: RetryFilter): Promise<number> {
      return store.retryMany({ ...toStoreFilter(filter), status }, Date.now())
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
        hosts: limiter.snapshot(),
      }
    },

    /** Deliveries under way on this instance. */
    inFlight: (): number => inFlight,

    /** Destinations that are busy, held back or failing on this instance. */
    destinations: (): DestinationStats[] => limiter.snapshot(),

    /** Starts delivering. */
    start(): void {
      store.consume({
        concurrency: options.concurrency,
        slotsFor: (destination) => limiter.slotsFor(destination),
        turnAway: (destination) => limiter.turnAway(destination),
        process,
        onFinished: ({ delivery, status, view }) => {
          options.observer?.finished(status)
          const target = delivery.notify
          if (target && options.notify) {
            view().then(
              (postback) => postback && options.notify?.(target, postback),
              (error: unknown) => options.onError?.(error),
            )
          }
        },
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

function toStoreFilter(filter: { postbackUrl?: string; createdFrom?: string; createdTo?: string }): ListFilter {
  return {
    ...(filter.postbackUrl === undefined ? {} : { urlPrefix: filter.postbackUrl }),
    ...(filter.createdFrom === undefined ? {} : { createdFrom: Date.parse(filter.createdFrom) }),
    ...(filter.createdTo === undefined ? {} : { createdTo: Date.parse(filter.createdTo) }),
  }
}
