// The per-socket rate of client events: a token bucket per socket, `ratePerSecond` events on
// average, bursts up to twice that.
import { codes } from '../errors.js'
import type { EventGate } from './event-answers.js'

export class TokenBucket {
  readonly #rate: number
  readonly #capacity: number
  #tokens: number
  #last: number

  constructor(ratePerSecond: number, now = Date.now()) {
    this.#rate = ratePerSecond
    this.#capacity = ratePerSecond * 2
    this.#tokens = this.#capacity
    this.#last = now
  }

  /** Takes one token; false when the bucket is empty. */
  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.#rate)
    this.#last = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/** Refuses one socket's events past its rate; the client is told by an `error` event at most once a second. */
export function rateLimit(eventsPerSecond: number): EventGate {
  const bucket = new TokenBucket(eventsPerSecond)
  let toldAt = 0
  return () => {
    if (bucket.take()) return undefined
    const now = Date.now()
    const tell = now - toldAt >= 1000
    if (tell) toldAt = now
    return { error: codes.RATE_LIMITED, message: `more than ${eventsPerSecond} events per second: events are being dropped`, tell }
  }
}
