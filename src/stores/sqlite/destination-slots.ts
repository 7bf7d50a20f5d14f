// Fair delivery for the embedded store: one process owns the DATA_DIR, so each destination's
// window and deliveries in flight are kept in memory.
import {
  IDLE_MS,
  RECENT_ATTEMPTS,
  byBusiest,
  isNoteworthy,
  limitOf,
  nextWindow,
  type DestinationStats,
  type LoadSignal,
} from '../../postbacks/destination-window.js'

interface Destination {
  inFlight: number
  window: number
  /** 1 per failed attempt, 0 per success; the most recent RECENT_ATTEMPTS */
  recent: number[]
  lastActive: number
}

/** Past this many destinations, idle ones are forgotten before a new one is added. */
const FORGET_ABOVE = 10_000

export class DestinationSlots {
  readonly #cap: number
  readonly #destinations = new Map<string, Destination>()
  readonly #now: () => number

  constructor(cap: number, now: () => number = Date.now) {
    this.#cap = cap
    this.#now = now
  }

  /** How many more deliveries to `destination` may start now. */
  free(destination: string): number {
    const state = this.#current(destination)
    return state ? Math.max(0, limitOf(state.window, this.#cap) - state.inFlight) : this.#cap
  }

  acquire(destination: string): void {
    const state = this.#current(destination) ?? this.#add(destination)
    state.inFlight++
    state.lastActive = this.#now()
  }

  release(destination: string, signal: LoadSignal): void {
    const state = this.#current(destination) ?? this.#add(destination)
    state.inFlight = Math.max(0, state.inFlight - 1)
    state.lastActive = this.#now()
    state.window = nextWindow(state.window, signal, this.#cap)
    state.recent.push(signal === 'success' ? 0 : 1)
    if (state.recent.length > RECENT_ATTEMPTS) state.recent.shift()
  }

  /** Destinations that are busy, held back or failing. */
  snapshot(): DestinationStats[] {
    const shown: DestinationStats[] = []
    for (const destination of this.#destinations.keys()) {
      const state = this.#current(destination)
      if (!state) continue
      const failures = state.recent.reduce((a, b) => a + b, 0)
      const stats = {
        destination,
        inFlight: state.inFlight,
        limit: limitOf(state.window, this.#cap),
        failureRate: state.recent.length ? failures / state.recent.length : 0,
      }
      if (isNoteworthy(stats, this.#cap)) shown.push(stats)
    }
    return shown.sort(byBusiest)
  }

  /** The destination's state, unless it has been idle long enough to be forgotten. */
  #current(destination: string): Destination | undefined {
    const state = this.#destinations.get(destination)
    if (state && state.inFlight === 0 && this.#now() - state.lastActive > IDLE_MS) {
      this.#destinations.delete(destination)
      return undefined
    }
    return state
  }

  #add(destination: string): Destination {
    if (this.#destinations.size >= FORGET_ABOVE) for (const key of [...this.#destinations.keys()]) this.#current(key)
    const state = { inFlight: 0, window: this.#cap, recent: [], lastActive: this.#now() }
    this.#destinations.set(destination, state)
    return state
  }
}
