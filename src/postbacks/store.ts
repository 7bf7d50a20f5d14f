// The seam between the postback domain and where postbacks live. A driver stores postbacks
// durably and runs the delivery side: it hands due postbacks to a DeliveryHandler, at most
// `concurrency` at a time on this instance and at most each destination's fair-delivery limit
// at a time (cluster-wide when the store is shared), and records what each attempt decided.
// The contract is executable: test/stores/contract.ts runs against every driver.
import type { StreakSignal } from '../destinations/health.js'
import type { ErrorCode } from '../errors.js'
import type { DestinationEvent } from '../destinations/types.js'
import type { Activity } from './activity.js'
import type { DestinationStats, LoadSignal } from './destination-window.js'
import type { AttemptOutcome, DueDelivery, NewPostback, PostbackDetail, PostbackStatus, PostbackView } from './types.js'

export type AddResult =
  | { id: string; created: true }
  /** an earlier postback with the same idempotency key; `sameRequest` is false when it asked for something else */
  | { id: string; created: false; sameRequest: boolean }

export interface ListFilter {
  status?: PostbackStatus
  /** postbacks whose URL starts with this */
  urlPrefix?: string
  /** createdAt bounds, epoch ms, inclusive */
  createdFrom?: number
  createdTo?: number
}

export interface ListQuery extends ListFilter {
  limit: number
  /** opaque, from a previous page's nextCursor */
  cursor?: string
}

export interface ListPage {
  items: PostbackView[]
  nextCursor?: string
}

export type ChangeResult =
  | { ok: true; postback: PostbackView }
  | { ok: false; reason: 'not_found' | 'conflict'; status?: PostbackStatus }

export interface QueueCounts {
  byStatus: Record<PostbackStatus, number>
  /**
   * The earliest next attempt time among the postbacks that are due and wait for an attempt
   * (pending, not processing, not behind an earlier one of their ordering key; next attempt ≤ now),
   * epoch ms; null when none is due. A postback scheduled for later is not late.
   */
  oldestDueAt: number | null
}

/** A postback that reached completed or failed. */
export interface EndedPostback {
  /** the delivery whose attempt ended it */
  delivery: DueDelivery
  status: 'completed' | 'failed'
  /** Reads the postback as it now stands (only when someone needs it). */
  view: () => Promise<PostbackView | undefined>
}

/** What one attempt decided, and what it says about the destination's load and health. */
export interface AttemptReport {
  outcome: AttemptOutcome
  load: LoadSignal
  streak: StreakSignal
  /** a Retry-After on a 429 or 503 holds the whole destination until then (epoch ms) */
  holdUntil?: number
}

/**
 * No request went out: the postback's signature could not be made (none of its destination's
 * secrets decodes). Nothing is counted, neither an attempt of the postback nor anything of its
 * destination's load or health: the postback stays pending with `error` as its lastError (and
 * its destination's), and the destination is held until `until`, when it is tried again.
 */
export interface NotSentReport {
  notSent: { until: number; error: string }
}

/** What one delivery came to: an attempt, or none at all. */
export type DeliveryReport = AttemptReport | NotSentReport

/** The domain's side of delivery: what the store calls for each due postback. */
export interface DeliveryHandler {
  /** deliveries in flight at once on this instance */
  concurrency: number
  /** Makes one attempt. The signal aborts when the store closes; the attempt is then not recorded. */
  deliver(delivery: DueDelivery, shutdown: AbortSignal): Promise<DeliveryReport>
  /**
   * Called once per postback that reaches completed or failed. When it has a callback URL, the
   * store keeps the end until the returned promise resolves, and hands it over again after a
   * crash (so the handler must tolerate a repeat).
   */
  onEnded(ended: EndedPostback): Promise<void> | void
  /** A destination became quarantined or recovered (reported by the instance that saw it). */
  onDestinationEvent?(event: DestinationEvent): void
  /** An unexpected error in the delivery loop; the postbacks concerned are retried later. */
  reportError(error: unknown): void
}

/** Something wrong with the store that an operator must know about (shown by /health). */
export interface StoreProblem {
  code: ErrorCode
  message: string
  /** ISO-8601 */
  since: string
}

export interface PostbackStore {
  readonly kind: string
  /** Resolves only once the postback is durably stored. */
  add(postback: NewPostback): Promise<AddResult>
  /** The postback with what was queued (payload and headers). */
  get(id: string): Promise<PostbackDetail | undefined>
  /** Newest first. */
  list(query: ListQuery): Promise<ListPage>
  /** Puts a completed, failed or canceled postback back in the queue with a fresh attempt budget. */
  retry(id: string, now: number): Promise<ChangeResult>
  /** The same for every completed or failed postback that matches; returns how many. */
  retryMany(filter: ListFilter, now: number): Promise<number>
  /** Cancels a pending postback. */
  cancel(id: string, now: number): Promise<ChangeResult>
  counts(): Promise<QueueCounts>
  /** Destinations that are busy, held back or failing (cluster-wide when the store is shared). */
  destinations(): Promise<DestinationStats[]>
  /** The last 15 minutes of delivery, for the dashboard's chart (cluster-wide when the store is shared). */
  activity(): Promise<Activity>
  /** Starts handing due postbacks to the handler. */
  consume(handler: DeliveryHandler): void
  /** Is the backing store reachable? */
  ping(): Promise<boolean>
  /** What is wrong now (full disk, lost data, unreachable); empty when all is well. */
  problems(): Promise<StoreProblem[]>
  /**
   * Stops claiming work, gives attempts in flight up to `drainMs` to finish, hands the rest back
   * (they are delivered again, here after a restart or by another instance) and releases the store.
   */
  close(drainMs: number): Promise<void>
}

/** A list cursor that this store did not hand out. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError'
  constructor() {
    super('cursor is not one this server returned')
  }
}

/** The store cannot start (its file is locked, its server unreachable); the message is one line for the operator. */
export class StoreStartError extends Error {
  override name = 'StoreStartError'
}
