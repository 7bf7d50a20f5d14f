// A token bucket per socket: `ratePerSecond` events on average, bursts up to twice that.

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
