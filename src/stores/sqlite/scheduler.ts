// Feeds due postbacks from the table to the delivery handler. No polling: a postback that is due now is
// picked up at once, a later one by a timer set for the earliest due time.
//
// Only one process uses a DATA_DIR, so which postbacks are being delivered is kept in memory:
// claiming writes nothing, and a crash simply leaves those postbacks pending, to be delivered
// again after the restart. A commit costs far more than the statements in it, so finished
// attempts are written in batches: each flush records every attempt that finished since the last
// one and picks enough postbacks to fill the free slots and a ready queue, in one transaction. A
// finished attempt hands its slot straight to the next ready postback without waiting for a
// flush. Postbacks are picked destination by destination, within each destination's
// fair-delivery slots, so a full destination never holds up the others; only the earliest due
// time of each destination with pending postbacks is kept in memory, never the backlog itself.
import type { AttemptOutcome, DueDelivery } from '../../postbacks/types.js'
import { DueTimer } from '../due-timer.js'
import { waitAtMost } from '../drain.js'
import type { DeliveryHandler, DeliveryReport, NotSentReport } from '../../postbacks/store.js'
import type { ActivityRecorder } from '../../postbacks/activity.js'
import type { DestinationBook } from './destination-book.js'
import type { DueSource } from './due-source.js'
import { ReadyQueue } from './ready-queue.js'

/** A delivery that ended: with an attempt, or not sent. */
type Attempted = { delivery: DueDelivery; outcome: AttemptOutcome } | { delivery: DueDelivery; notSent: NotSentReport['notSent'] }

/** How long finished attempts may wait to be written while deliveries keep going. */
const FLUSH_INTERVAL_MS = 2
/** Slots plus ready queue, as a multiple of the slots: enough ready work to last a flush interval. */
const READY_FACTOR = 4

export class Scheduler {
  readonly #source: DueSource
  readonly #handler: DeliveryHandler
  readonly #book: DestinationBook
  readonly #activity: ActivityRecorder
  readonly #dueAt: Map<string, number>
  /** picked and waiting for a slot, per destination */
  readonly #ready = new ReadyQueue()
  /** every postback picked, ready or in flight: id → destination */
  readonly #picked = new Map<string, string>()
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #shutdown = new AbortController()
  #attempted: Attempted[] = []
  #endsHandled: string[] = []
  #flush: { urgent: boolean; handle: NodeJS.Immediate | NodeJS.Timeout } | undefined
  readonly #timer = new DueTimer(() => this.#requestFlush(true))
  #closed = false

  constructor(source: DueSource, handler: DeliveryHandler, book: DestinationBook, activity: ActivityRecorder) {
    this.#source = source
    this.#handler = handler
    this.#book = book
    this.#activity = activity
    this.#dueAt = source.nextDueByDestination()
    this.#requestFlush(true)
  }

  /** Ids of the postbacks whose attempt is under way. */
  get processing(): string[] {
    return [...this.#inFlight.keys()]
  }

  isProcessing(id: string): boolean {
    return this.#inFlight.has(id)
  }

  /** Hands the end of a postback to the handler; once it is done with it, the end is marked handled. */
  handOverEnd(delivery: DueDelivery, status: 'completed' | 'failed'): void {
    const handled = this.#handler.onEnded({ delivery, status, view: async () => this.#source.view(delivery.id) })
    if (!delivery.hasCallbacks) return
    Promise.resolve(handled).then(
      () => {
        this.#endsHandled.push(delivery.id)
        this.#requestFlush(false)
      },
      (error: unknown) => this.#handler.reportError(error),
    )
  }

  /** Takes a postback out of the ready queue; false when its attempt is already under way. */
  withdraw(id: string): boolean {
    if (this.#inFlight.has(id)) return false
    if (!this.#picked.delete(id)) return true
    this.#ready.remove(id)
    return true
  }

  /** A postback for `destination` is due at `at` (epoch ms). */
  notifyDue(destination: string, at: number): void {
    if (this.#closed) return
    const known = this.#dueAt.get(destination)
    if (known === undefined || at < known) this.#dueAt.set(destination, at)
    if (at <= Date.now()) this.#requestFlush(true)
    else this.#timer.armAt(at)
  }

  /** Many postbacks changed at once: read every destination's due time again. */
  reload(): void {
    this.#dueAt.clear()
    for (const [destination, at] of this.#source.nextDueByDestination()) this.#dueAt.set(destination, at)
    this.#requestFlush(true)
  }

  /** Stops picking, waits up to drainMs for attempts in flight, then aborts what is left. */
  async close(drainMs: number): Promise<void> {
    this.#closed = true
    this.#timer.disarm()
    const all = Promise.all(this.#inFlight.values())
    await waitAtMost(all, drainMs)
    this.#shutdown.abort()
    await all
    this.#cancelFlush()
    // Attempts that finished during the drain are recorded; aborted ones stay pending.
    this.#runFlush()
  }

  /** Urgent: on the next turn of the event loop; otherwise within FLUSH_INTERVAL_MS. */
  #requestFlush(urgent: boolean): void {
    if (this.#flush && (this.#flush.urgent || !urgent)) return
    this.#cancelFlush()
    const run = () => {
      this.#flush = undefined
      this.#runFlush()
    }
    this.#flush = urgent ? { urgent, handle: setImmediate(run) } : { urgent, handle: setTimeout(run, FLUSH_INTERVAL_MS) }
  }

  #cancelFlush(): void {
    if (!this.#flush) return
    if (this.#flush.urgent) clearImmediate(this.#flush.handle as NodeJS.Immediate)
    else clearTimeout(this.#flush.handle as NodeJS.Timeout)
    this.#flush = undefined
  }

  #runFlush(): void {
    const finished = this.#attempted
    this.#attempted = []
    const now = Date.now()
    const handled = this.#endsHandled
    this.#endsHandled = []
    let recorded: boolean[]
    let picked: DueDelivery[]
    try {
      ;[recorded, picked] = this.#source.transaction(() => {
        const settled = finished.map((f) =>
          'outcome' in f ? this.#source.settle(f.delivery.id, f.outcome, now) : this.#source.putBack(f.delivery.id, f.notSent, now),
        )
        this.#source.saveDestinations()
        if (handled.length > 0) this.#source.endsHandled(handled)
        return [settled, this.#pick(now, finished.length)]
      })
    } catch (error) {
      this.#handler.reportError(error)
      this.#attempted.unshift(...finished)
      this.#endsHandled.unshift(...handled)
      if (!this.#closed) this.#timer.set(now + 1000)
      return
    }
    finished.forEach((f, i) => {
      this.#picked.delete(f.delivery.id)
      if (!('outcome' in f)) return this.notifyDue(f.delivery.destination, f.notSent.until)
      const { delivery, outcome } = f
      if (recorded[i]) {
        this.#activity.attempt(delivery.destination, outcome.kind !== 'completed', outcome.kind === 'retry' ? undefined : outcome.kind, now)
      }
      if (outcome.kind === 'retry') return this.notifyDue(delivery.destination, outcome.retryAt)
      // The next postback of its ordering key is first in line now.
      if (delivery.orderingKey !== undefined) this.notifyDue(delivery.destination, now)
      if (recorded[i]) this.handOverEnd(delivery, outcome.kind)
    })
    for (const delivery of picked) {
      this.#picked.set(delivery.id, delivery.destination)
      this.#ready.add(delivery)
    }
    this.#startReady()
    if (!this.#closed) this.#armForLater(now)
  }

  /**
   * Oldest due first across destinations, each up to READY_FACTOR times its free slots, all
   * together up to READY_FACTOR times the slots. `settling` postbacks are being recorded in this
   * same transaction and no longer count. Postbacks already picked are still pending in the
   * table; the query leaves them out rather than reading them again. The picks are kept only once
   * the transaction has committed.
   */
  #pick(now: number, settling: number): DueDelivery[] {
    if (this.#closed) return []
    let wanted = READY_FACTOR * this.#handler.concurrency - (this.#picked.size - settling)
    const picked: DueDelivery[] = []
    const due = [...this.#dueAt].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1])
    const pickedBy = this.#pickedByDestination()
    for (const [destination] of due) {
      if (wanted <= 0) break
      const inFlight = this.#inFlightFor(destination)
      const mine = inFlight + this.#ready.waitingFor(destination)
      const free = this.#book.free(destination, now)
      if (free === 0 && !this.#waitsForSlot(destination, inFlight, now)) continue
      // The destination's current limit is its free slots plus those it is using.
      const limit = Math.min(wanted, READY_FACTOR * (free + inFlight) - mine)
      if (limit <= 0) continue
      const already = pickedBy.get(destination) ?? []
      const fresh = this.#source.dueFor(destination, now, limit, already)
      picked.push(...fresh)
      wanted -= fresh.length
      // Postbacks picked here are still pending in the table: the next due time is among the others.
      const next = this.#source.nextDueFor(destination, [...already, ...fresh.map((d) => d.id)])
      if (next === null) this.#dueAt.delete(destination)
      else this.#dueAt.set(destination, next)
    }
    return picked
  }

  /**
   * A destination that may start nothing now: true when a slot of its own will free (an attempt
   * ends), else its due time moves to when it may start again (a hold, a probe, a token), or it
   * is dropped until it is resumed.
   */
  #waitsForSlot(destination: string, inFlight: number, now: number): boolean {
    if (inFlight > 0) return true
    const openAt = this.#book.openAt(destination, now)
    if (openAt === null) this.#dueAt.delete(destination)
    else this.#dueAt.set(destination, Math.max(openAt, this.#dueAt.get(destination) ?? openAt))
    return false
  }

  #pickedByDestination(): Map<string, string[]> {
    const by = new Map<string, string[]>()
    for (const [id, destination] of this.#picked) {
      const ids = by.get(destination)
      if (ids) ids.push(id)
      else by.set(destination, [id])
    }
    return by
  }

  #inFlightFor(destination: string): number {
    let count = 0
    for (const id of this.#inFlight.keys()) if (this.#picked.get(id) === destination) count++
    return count
  }

  /** Starts ready postbacks while there are free slots, within each destination's own slots. */
  #startReady(): void {
    if (this.#closed) return
    const room = () => this.#inFlight.size < this.#handler.concurrency
    for (const delivery of this.#ready.take((destination) => this.#book.free(destination), room)) this.#start(delivery)
  }

  /**
   * Sets the timer for the earliest due time still in the future, or the earliest time a
   * destination with picked postbacks waiting (for a hold, a probe or a rate token) opens again.
   */
  #armForLater(now: number): void {
    let earliest = Number.POSITIVE_INFINITY
    for (const at of this.#dueAt.values()) if (at > now && at < earliest) earliest = at
    for (const destination of this.#ready.destinations()) {
      if (this.#inFlightFor(destination) > 0) continue
      const at = this.#book.openAt(destination, now)
      if (at !== null && at > now && at < earliest) earliest = at
    }
    if (earliest === Number.POSITIVE_INFINITY) this.#timer.disarm()
    else this.#timer.set(earliest)
  }

  #start(delivery: DueDelivery): void {
    // The picked delivery is this attempt's own: it gets its destination's secrets and probe flag.
    if (this.#book.acquire(delivery.destination).probe) delivery.probe = true
    const signing = this.#book.signing(delivery.destination)
    if (signing) delivery.signing = signing
    const run = this.#handler
      .deliver(delivery, this.#shutdown.signal)
      .then((report: DeliveryReport) => {
        // Cut off by shutdown: nothing is recorded; the postback stays pending for the next start.
        if (this.#shutdown.signal.aborted) return this.#book.abandon(delivery.destination)
        if ('notSent' in report) {
          this.#book.notSent(delivery.destination, report.notSent)
          this.#attempted.push({ delivery, notSent: report.notSent })
          return
        }
        const { outcome, event } = this.#book.release(delivery, report)
        this.#attempted.push({ delivery, outcome })
        if (event) this.#handler.onDestinationEvent?.(event)
      })
      .catch((error: unknown) => {
        // Nothing was decided: the postback is picked again a little later.
        this.#book.abandon(delivery.destination)
        this.#picked.delete(delivery.id)
        this.#handler.reportError(error)
        this.notifyDue(delivery.destination, Date.now() + 1000)
      })
      .finally(() => {
        this.#inFlight.delete(delivery.id)
        if (this.#closed) return
        this.#startReady()
        // Running dry: pick at once. Otherwise the finished attempts are written soon, in a batch.
        this.#requestFlush(this.#ready.size === 0)
      })
    this.#inFlight.set(delivery.id, run)
  }
}
