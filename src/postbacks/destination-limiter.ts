// Fair delivery: each destination (scheme://host:port) gets at most `cap` deliveries in flight
// on this instance, and fewer while it struggles. 429, 503 and timeouts halve its window
// (never below 1); every success grows it back by 1/window, so one more slot per round of
// successes (additive increase, multiplicative decrease).

import type { AttemptResult } from './delivery/http-client.js'

export type AttemptSignal = 'success' | 'overload' | 'failure'

/** What an attempt says about the receiver's load. */
export function signalOf(result: AttemptResult): AttemptSignal {
  const status = result.statusCode
  if (status !== undefined && status >= 200 && status < 300) return 'success'
  if (status === 429 || status === 503 || result.timedOut) return 'overload'
  return 'failure'
}

export interface DestinationStats {
  destination: string
  inFlight: number
  /** slots it may use now */
  limit: number
  /** share of its last attempts that failed, 0–1 */
  failureRate: number
}

interface Destination {
  inFlight: number
  window: number
  /** 1 per failed attempt, 0 per success; the most recent RECENT_ATTEMPTS */
  recent: number[]
  /** consecutive times a postback was turned away, for the queue-backed store's back-off */
  turnedAway: number
  lastActive: number
}

const RECENT_ATTEMPTS = 20
/** A destination with nothing in flight for this long is forgotten (and starts afresh at the cap). */
const IDLE_MS = 60_000
const TURN_AWAY_BASE_MS = 100
const TURN_AWAY_MAX_MS = 30_000

export class DestinationLimiter {
  readonly #cap: number
  readonly #destinations = new Map<string, Destination>()
  readonly #now: () => number

  constructor(cap: number, now: () => number = Date.now) {
    this.#cap = cap
    this.#now = now
  }

  /** How many more deliveries to `destination` may start now. */
  slotsFor(destination: string): number {
    const state = this.#destinations.get(destination)
    return state ? Math.max(0, Math.floor(state.window) - state.inFlight) : this.#cap
  }

  acquire(destination: string): void {
    const state = this.#state(destination)
    state.inFlight++
    state.turnedAway = 0
    state.lastActive = this.#now()
  }

  release(destination: string, signal: AttemptSignal): void {
    const state = this.#state(destination)
    state.inFlight = Math.max(0, state.inFlight - 1)
    state.lastActive = this.#now()
    if (signal === 'overload') state.window = Math.max(1, state.window / 2)
    else if (signal === 'success') state.window = Math.min(this.#cap, state.window + 1 / Math.floor(state.window))
    state.recent.push(signal === 'success' ? 0 : 1)
    if (state.recent.length > RECENT_ATTEMPTS) state.recent.shift()
  }

  /**
   * How long to set aside a postback for a destination that is at its cap, growing while it
   * stays full (with ±20 % jitter so set-aside postbacks do not return together).
   */
  turnAway(destination: string): number {
    const state = this.#state(destination)
    const delay = Math.min(TURN_AWAY_MAX_MS, TURN_AWAY_BASE_MS * 2 ** state.turnedAway)
    state.turnedAway = Math.min(state.turnedAway + 1, 20)
    return Math.round(delay * (0.8 + 0.4 * Math.random()))
  }

  /** Destinations that are busy, held back or failing. */
  snapshot(): DestinationStats[] {
    const now = this.#now()
    const busy: DestinationStats[] = []
    for (const [destination, state] of this.#destinations) {
      const failures = state.recent.reduce((a, b) => a + b, 0)
      if (state.inFlight === 0 && now - state.lastActive > IDLE_MS) {
        this.#destinations.delete(destination)
        continue
      }
      if (state.inFlight === 0 && state.window >= this.#cap && failures === 0) continue
      busy.push({
        destination,
        inFlight: state.inFlight,
        limit: Math.floor(state.window),
        failureRate: state.recent.length ? failures / state.recent.length : 0,
      })
    }
    return busy.sort((a, b) => b.inFlight - a.inFlight || a.destination.localeCompare(b.destination))
  }

  #state(destination: string): Destination {
    let state = this.#destinations.get(destination)
    if (!state) {
      if (this.#destinations.size >= 10_000) this.snapshot() // forgets idle destinations
      state = { inFlight: 0, window: this.#cap, recent: [], turnedAway: 0, lastActive: this.#now() }
      this.#destinations.set(destination, state)
    }
    return state
  }
}
