// Feeds due postbacks from the table to the worker. No polling: a postback that is due now is
// claimed on the next turn of the event loop, a later one by a timer set for the earliest due
// time, and every finished attempt frees its slot for the next claim.
import type { AttemptOutcome, DueDelivery, PostbackView } from '../../types.js'
import type { Worker } from '../store.js'

export interface DueSource {
  /** Marks up to `limit` due postbacks as processing and returns them. */
  claimDue(now: number, limit: number): DueDelivery[]
  /** The earliest next attempt among pending postbacks. */
  nextDueAt(): number | null
  /** Records an attempt; returns the postback as it now stands. */
  settle(id: string, outcome: AttemptOutcome, now: number): PostbackView | undefined
}

/** setTimeout cannot wait longer than this; a later due time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class Scheduler {
  readonly #source: DueSource
  readonly #worker: Worker
  readonly #inFlight = new Set<Promise<void>>()
  readonly #shutdown = new AbortController()
  #timer: NodeJS.Timeout | undefined
  #timerAt = Number.POSITIVE_INFINITY
  #pumpQueued = false
  #closed = false

  constructor(source: DueSource, worker: Worker) {
    this.#source = source
    this.#worker = worker
    this.#queuePump()
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  /** Tells the scheduler a postback is due at `at` (epoch ms). */
  notifyDue(at: number): void {
    if (this.#closed) return
    if (at <= Date.now()) this.#queuePump()
    else if (at < this.#timerAt) this.#arm(at)
  }

  /** Stops claiming, waits up to drainMs for attempts in flight, then aborts what is left. */
  async close(drainMs: number): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const all = Promise.all(this.#inFlight)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))])
    clearTimeout(timer)
    this.#shutdown.abort()
    await all
  }

  #queuePump(): void {
    if (this.#pumpQueued || this.#closed) return
    this.#pumpQueued = true
    setImmediate(() => {
      this.#pumpQueued = false
      this.#pump()
    })
  }

  #pump(): void {
    if (this.#closed) return
    const free = this.#worker.concurrency - this.#inFlight.size
    if (free <= 0) return // the next finished attempt pumps again
    let batch: DueDelivery[]
    try {
      batch = this.#source.claimDue(Date.now(), free)
    } catch (error) {
      this.#worker.reportError(error)
      this.#arm(Date.now() + 1000)
      return
    }
    for (const delivery of batch) this.#start(delivery)
    if (batch.length < free) {
      const next = this.#source.nextDueAt()
      if (next === null) this.#disarm()
      else this.#arm(next)
    }
  }

  #start(delivery: DueDelivery): void {
    const run = this.#worker
      .process(delivery, this.#shutdown.signal)
      .then((outcome) => {
        // Interrupted by shutdown: the row stays `processing` and is retried after the next start.
        if (this.#shutdown.signal.aborted) return
        const postback = this.#source.settle(delivery.id, outcome, Date.now())
        if (outcome.kind === 'retry') this.notifyDue(outcome.retryAt)
        else if (postback) this.#worker.onFinished(postback, delivery)
      })
      .catch((error: unknown) => this.#worker.reportError(error))
      .finally(() => {
        this.#inFlight.delete(run)
        this.#queuePump()
      })
    this.#inFlight.add(run)
  }

  #arm(at: number): void {
    this.#disarm()
    if (this.#closed) return
    this.#timerAt = at
    this.#timer = setTimeout(
      () => {
        this.#timerAt = Number.POSITIVE_INFINITY
        this.#pump()
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    )
    this.#timer.unref()
  }

  #disarm(): void {
    clearTimeout(this.#timer)
    this.#timerAt = Number.POSITIVE_INFINITY
  }
}
