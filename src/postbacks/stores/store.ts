// The seam between the postback domain and where postbacks live. A driver stores postbacks
// durably and runs the consumer side: it hands due postbacks to a Worker, at most
// `concurrency` at a time, and records what each attempt decided. The SQLite driver schedules
// with its own timers; a queue-backed driver (BullMQ) maps the same calls onto its jobs.
import type { AttemptOutcome, DueDelivery, NewPostback, PostbackStatus, PostbackView } from '../types.js'

export interface AddResult {
  id: string
  /** false when an earlier postback with the same idempotency key was returned instead */
  created: boolean
}

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
  /** createdAt of the oldest pending postback, epoch ms */
  oldestPendingAt: number | null
}

export interface Finished {
  /** the delivery whose attempt ended the postback */
  delivery: DueDelivery
  status: 'completed' | 'failed'
  /** Reads the postback as it now stands (only when someone needs it). */
  view(): Promise<PostbackView | undefined>
}

export interface Worker {
  /** deliveries in flight at once on this instance */
  concurrency: number
  /** How many more deliveries to this destination may start now (fair delivery). */
  slotsFor(destination: string): number
  /** How long to set aside a postback whose destination has no slot (queue-backed stores). */
  turnAway(destination: string): number
  /** Delivers one attempt; resolves with the decision. The signal aborts when the store closes. */
  process(delivery: DueDelivery, signal: AbortSignal): Promise<AttemptOutcome>
  /** Called once a postback reaches completed or failed. */
  onFinished(finished: Finished): void
  /** An unexpected error in the consumer loop; the postback concerned is retried later. */
  reportError(error: unknown): void
}

export interface PostbackStore {
  readonly kind: 'sqlite' | 'redis'
  /** Resolves only once the postback is durably stored. */
  add(postback: NewPostback): Promise<AddResult>
  get(id: string): Promise<PostbackView | undefined>
  /** Newest first. */
  list(query: ListQuery): Promise<ListPage>
  /** Puts a completed, failed or canceled postback back in the queue with a fresh attempt budget. */
  retry(id: string, now: number): Promise<ChangeResult>
  /** The same for every completed or failed postback that matches; returns how many. */
  retryMany(filter: ListFilter, now: number): Promise<number>
  /** Cancels a pending postback. */
  cancel(id: string, now: number): Promise<ChangeResult>
  counts(): Promise<QueueCounts>
  /** Starts handing due postbacks to the worker. */
  consume(worker: Worker): void
  /** Is the backing store reachable? */
  ping(): Promise<boolean>
  /**
   * Stops claiming work, gives attempts in flight up to `drainMs` to finish, aborts the rest
   * (they are retried after the next start) and releases the store.
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
