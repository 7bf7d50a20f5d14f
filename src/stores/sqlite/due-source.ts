// What the scheduler needs of the postbacks table (sqlite-store.ts provides it).
import type { NotSentReport } from '../../postbacks/store.js'
import type { AttemptOutcome, DueDelivery, PostbackView } from '../../postbacks/types.js'

export interface DueSource {
  /**
   * Up to `limit` pending postbacks for `destination` due by `now`, the earliest first, leaving
   * out `picked` (ids of postbacks already picked, still pending in the table).
   */
  dueFor(destination: string, now: number, limit: number, picked: string[]): DueDelivery[]
  /** The earliest next attempt among the destination's pending postbacks, leaving out `picked`. */
  nextDueFor(destination: string, picked: string[]): number | null
  /** The earliest next attempt of every destination with pending postbacks. */
  nextDueByDestination(): Map<string, number>
  /** Records an attempt; false when the postback was no longer pending. */
  settle(id: string, outcome: AttemptOutcome, now: number): boolean
  /** A delivery that was not sent: the postback waits until `until`, saying why; false when it was no longer pending. */
  putBack(id: string, notSent: NotSentReport['notSent'], now: number): boolean
  view(id: string): PostbackView | undefined
  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T
  /** Writes the destinations whose settings or state changed (inside the flush's transaction). */
  saveDestinations(): void
  /** The handler is done with the end of these postbacks (their callbacks are queued). */
  endsHandled(ids: string[]): void
}
