// Fair delivery's arithmetic: each destination (scheme://host:port) may have at most `cap`
// deliveries in flight, and fewer while it struggles. 429, 503 and timeouts halve its window
// (never below 1); every success grows it by 1/window, so one more slot per round of successes
// (additive increase, multiplicative decrease). Both store drivers apply these rules: the SQLite
// driver in memory, the Redis driver in Lua on state every instance shares (its scripts mirror
// the functions below and are held to them by the store contract tests).
import type { AttemptResult } from './delivery/http-client.js'

export type LoadSignal = 'success' | 'overload' | 'failure'

/** What an attempt says about the receiver's load. */
export function loadSignalOf(result: AttemptResult): LoadSignal {
  const status = result.statusCode
  if (status !== undefined && status >= 200 && status < 300) return 'success'
  if (status === 429 || status === 503 || result.timedOut) return 'overload'
  return 'failure'
}

/** The failure rate is taken over this many of a destination's most recent attempts. */
export const RECENT_ATTEMPTS = 20
/** A destination with nothing in flight for this long is forgotten and starts afresh at the cap. */
export const IDLE_MS = 60_000

/** The window after an attempt that ended with `signal`. */
export function nextWindow(window: number, signal: LoadSignal, cap: number): number {
  if (signal === 'overload') return Math.max(1, window / 2)
  if (signal === 'success') return Math.min(cap, window + 1 / Math.floor(window))
  return window
}

/** Deliveries that may be in flight at once with this window. */
export const limitOf = (window: number, cap: number): number => Math.max(1, Math.floor(Math.min(window, cap)))

export interface DestinationStats {
  destination: string
  inFlight: number
  /** deliveries it may have in flight now */
  limit: number
  /** share of its last attempts that failed, 0–1 */
  failureRate: number
}

/** Busy, held back or failing: worth showing in stats and metrics. */
export const isNoteworthy = (stats: DestinationStats, cap: number): boolean =>
  stats.inFlight > 0 || stats.limit < cap || stats.failureRate > 0

/** Busiest first, then by name. */
export const byBusiest = (a: DestinationStats, b: DestinationStats): number =>
  b.inFlight - a.inFlight || a.destination.localeCompare(b.destination)
