// The postback domain's entry point: queue, inspect and operate postbacks, and run deliveries.
import type { DestinationEvent } from '../destinations/types.js'
import { codes, ConflictError, IdempotencyKeyReusedError, NotFoundError } from '../errors.js'
import type { Activity } from './activity.js'
import type { HttpClient } from './delivery/http-client.js'
import type { Signing } from './delivery/signing.js'
import type { DestinationStats } from './destination-window.js'
import { createDeliveries } from './deliveries.js'
import type { EndingOptions } from './endings.js'
import { instantOf } from './instants.js'
import { newPostback, type PostbackRules } from './new-postback.js'
import type { QueueStats } from './stats.js'
import { LIST_LIMIT_DEFAULT, RETRY_STATUS_DEFAULT, type EnqueueBody, type ListQueryInput, type RetryFilter } from './schemas.js'
import type { ChangeResult, ListFilter, ListPage, PostbackStore, StoreProblem } from './store.js'
import type { AttemptOutcome, DueDelivery, Notify, PostbackDetail, PostbackView } from './types.js'

export interface PostbackServiceOptions {
  store: PostbackStore
  http: HttpClient
  rules: PostbackRules
  userAgent: string
  backoffMs: number
  /** how long a destination whose secrets cannot sign waits before it is tried again */
  signingWaitMs: number
  /** deliveries in flight at once on this instance */
  concurrency: number
  signing: Signing
  /** A postback that asked to be announced reached completed or failed. */
  notify?: (target: Notify, postback: PostbackView) => void
  /** the `$ops` channel */
  operations?: EndingOptions['operations']
  /** a destination became quarantined or recovered */
  onDestinationEvent?: (event: DestinationEvent) => void
  observer?: PostbackObserver
  onError?: (error: unknown) => void
}

/** Hooks for metrics and logs (plain functions: they are handed on one by one). */
export interface PostbackObserver {
  enqueued: () => void
  callbackQueued?: () => void
  attempted: (durationMs: number, outcome: AttemptOutcome, delivery: DueDelivery) => void
  /** a postback reached completed or failed */
  ended: (status: 'completed' | 'failed') => void
}

export type PostbackService = ReturnType<typeof createPostbackService>

export function createPostbackService(options: PostbackServiceOptions) {
  const { store } = options

  async function enqueue(input: EnqueueBody, idempotencyHeader?: string): Promise<{ id: string; created: boolean }> {
    const added = await store.add(newPostback(input, idempotencyHeader, options.rules, Date.now()))
    if (added.created) options.observer?.enqueued()
    else if (!added.sameRequest) {
      throw new IdempotencyKeyReusedError(
        `Idempotency-Key was used for postback ${added.id} with a different postbackUrl, method, headers or payload`,
      )
    }
    return { id: added.id, created: added.created }
  }

  const deliveries = createDeliveries(options, enqueue)

  return {
    storeKind: store.kind,

    /** What is wrong with the store or the signing secrets now; an unreachable store is always among them. */
    async problems(): Promise<StoreProblem[]> {
      const [reachable, stored] = await Promise.all([store.ping(), store.problems()])
      const problems = [...stored, ...options.signing.problems()]
      if (reachable || problems.some((p) => p.code === codes.STORE_UNAVAILABLE)) return problems
      return [...problems, { code: codes.STORE_UNAVAILABLE, message: 'The store cannot be reached', since: new Date().toISOString() }]
    },

    /** Throws the ValidationError that enqueue would, without storing anything. */
    validate(input: EnqueueBody): void {
      newPostback(input, undefined, options.rules, Date.now())
    },

    /**
     * Stores a postback; resolves once it is durable. `created` is false for an idempotent repeat,
     * which must ask for the same thing as the first request.
     */
    enqueue,

    async get(id: string): Promise<PostbackDetail> {
      const postback = await store.get(id)
      if (!postback) throw new NotFoundError(`No postback with id ${id}`)
      return postback
    },

    list({ limit = LIST_LIMIT_DEFAULT, cursor, status, ...filter }: ListQueryInput): Promise<ListPage> {
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

    retryMany({ status = RETRY_STATUS_DEFAULT, ...filter }: RetryFilter): Promise<number> {
      return store.retryMany({ ...toStoreFilter(filter), status }, Date.now())
    },

    async cancel(id: string): Promise<PostbackView> {
      return unwrap(await store.cancel(id, Date.now()), id, 'canceled')
    },

    async stats(): Promise<QueueStats> {
      const { byStatus, oldestDueAt } = await store.counts()
      return {
        counts: byStatus,
        total: Object.values(byStatus).reduce((a, b) => a + b, 0),
        oldestPendingAgeMs: oldestDueAt === null ? null : Math.max(0, Date.now() - oldestDueAt),
        inFlight: deliveries.inFlight(),
        hosts: await store.destinations(),
      }
    },

    /** Deliveries under way on this instance. */
    inFlight: deliveries.inFlight,

    /** Destinations that are busy, held back or failing. */
    destinations: (): Promise<DestinationStats[]> => store.destinations(),

    /** The last 15 minutes of delivery. */
    activity: (): Promise<Activity> => store.activity(),

    /** Starts delivering. */
    start: () => deliveries.start(),

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
    ...(filter.createdFrom === undefined ? {} : { createdFrom: instantOf('createdFrom', filter.createdFrom) }),
    ...(filter.createdTo === undefined ? {} : { createdTo: instantOf('createdTo', filter.createdTo) }),
  }
}
