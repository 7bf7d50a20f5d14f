// Feeds due postbacks from the table to the worker. No polling: a postback that is due now is
// claimed on the next turn of the event loop, a later one by a timer set for the earliest due
// time, and every finished attempt frees its slot for the next claim.
//
// Claims go destination by destination, so a destination at its fair-delivery cap never holds
// up the others: only the earliest due time of each destination with pending postbacks is kept
// in memory, never the postbacks themselves.
import type { AttemptOutcome, DueDelivery, PostbackView } from '../../types.js'
import type { Worker } from '../store.js'

export interface DueSource {
  /** Marks up to `limit` due postbacks for `destination` as processing and returns them. */
  claimDue(destination: string, now: number, limit: number): DueDelivery[]
  /** The earliest next attempt among the destination's pending postbacks. */
  nextDueFor(destination: string): number | null
  /** The earliest next attempt of every destination with pending postbacks. */
  nextDueByDestination(): Map<string, number>
  /** Records an attempt; returns the postback as it now stands. */
  settle(id: string, outcome: AttemptOutcome, now: number): PostbackView | undefined
}

/** setTimeout cannot wait longer than this; a later due time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class Scheduler {
  readonly #source: DueSource
  readonly #worker: Worker
  readonly #dueAt: Map<string, number>
  readonly #inFlight = new Set<Promise<void>>()
  readonly #shutdown = new AbortController()
  #timer: NodeJS.Timeout | undefined
  #timerAt = Number.POSITIVE_INFINITY
  #pumpQueued = false
  #closed = false

  constructor(source: DueSource, worker: Worker) {
    this.#source = source
    this.#worker = worker
    this.#dueAt = source.nextDueByDestination()
    this.#queuePump()
  }

  /** A postback for `destination` is due at `at` (epoch ms). */
  notifyDue(destination: string, at: number): void {
    if (this.#closed) return
    const known = this.#dueAt.get(destination)
    if (known === undefined || at < known) this.#dueAt.set(destination, at)
    if (at <= Date.now()) this.#queuePump()
    else if (at < this.#timerAt) this.#arm(at)
  }

  /** Many postbacks changed at once: read every destination's due time again. */
  reload(): void {
    this.#dueAt.clear()
    for (const [destination, at] of this.#source.nextDueByDestination()) this.#dueAt.set(destination, at)
    this.#queuePump()
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
    let free = this.#worker.concurrency - this.#inFlight.size
    const now = Date.now()
    // Oldest due first across destinations; a destination without a free slot waits for one of
    // its attempts to finish, which pumps again.
    const due = [...this.#dueAt].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1])
    for (const [destination] of due) {
      if (free <= 0) break
      const slots = Math.min(free, this.#worker.slotsFor(destination))
      if (slots <= 0) continue
      try {
        const batch = this.#source.claimDue(destination, now, slots)
        for (const delivery of batch) this.#start(delivery)
        free -= batch.length
        const next = this.#source.nextDueFor(destination)
        if (next === null) this.#dueAt.delete(destination)
        else this.#dueAt.set(destination, next)
      } catch (error) {
        this.#worker.reportError(error)
        this.#arm(now + 1000)
        return
      }
    }
    this.#armForLater(now)
  }

  /** Sets the timer for the earliest due time still in the future. */
  #armForLater(now: number): void {
    let earliest = Number.POSITIVE_INFINITY
    for (const at of this.#dueAt.values()) if (at > now && at < earliest) earliest = at
    if (earliest === Number.POSITIVE_INFINITY) this.#disarm()
    else this.#arm(earliest)
  }

  #start(delivery: DueDelivery): void {
    const run = this.#worker
      .process(delivery, this.#shutdown.signal)
      .then((outcome) => {
        // Interrupted by shutdown: the row stays `processing` and is retried after the next start.
        if (this.#shutdown.signal.aborted) return
        const postback = this.#source.settle(delivery.id, outcome, Date.now())
        if (outcome.kind === 'retry') this.notifyDue(delivery.destination, outcome.retryAt)
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
