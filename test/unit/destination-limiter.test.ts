import { describe, expect, it } from 'vitest'
import { DestinationLimiter, signalOf, type AttemptSignal } from '../../src/postbacks/destination-limiter.js'

const D = 'https://example.com:443'

/** `count` attempts to D, one after another, each ending with `signal`; the window after them. */
function attempts(limiter: DestinationLimiter, signal: AttemptSignal, count: number): number {
  for (let i = 0; i < count; i++) {
    limiter.acquire(D)
    limiter.release(D, signal)
  }
  return limiter.slotsFor(D)
}

describe('DestinationLimiter', () => {
  it('gives every destination the cap until it struggles', () => {
    const limiter = new DestinationLimiter(4)
    expect(limiter.slotsFor(D)).toBe(4)
    limiter.acquire(D)
    limiter.acquire(D)
    expect(limiter.slotsFor(D)).toBe(2)
    expect(limiter.slotsFor('https://other.example:443')).toBe(4)
    limiter.release(D, 'success')
    expect(limiter.slotsFor(D)).toBe(3)
  })

  it('halves the window on overload, never below 1', () => {
    const limiter = new DestinationLimiter(8)
    expect(attempts(limiter, 'overload', 1)).toBe(4)
    expect(attempts(limiter, 'overload', 1)).toBe(2)
    expect(attempts(limiter, 'overload', 5)).toBe(1)
  })

  it('grows back one slot per round of successes, up to the cap', () => {
    const limiter = new DestinationLimiter(4)
    expect(attempts(limiter, 'overload', 5)).toBe(1)
    expect(attempts(limiter, 'success', 1)).toBe(2)
    expect(attempts(limiter, 'success', 2)).toBe(3)
    expect(attempts(limiter, 'success', 3)).toBe(4)
    expect(attempts(limiter, 'success', 10)).toBe(4)
  })

  it('leaves the window alone on other failures but counts them in the failure rate', () => {
    const limiter = new DestinationLimiter(4)
    limiter.acquire(D)
    limiter.release(D, 'failure')
    limiter.acquire(D)
    limiter.release(D, 'success')
    expect(limiter.slotsFor(D)).toBe(4)
    expect(limiter.snapshot()).toEqual([{ destination: D, inFlight: 0, limit: 4, failureRate: 0.5 }])
  })

  it('forgets a destination idle for a minute', () => {
    let now = 0
    const limiter = new DestinationLimiter(4, () => now)
    limiter.acquire(D)
    limiter.release(D, 'overload')
    expect(limiter.snapshot()).toHaveLength(1)
    now = 61_000
    expect(limiter.snapshot()).toHaveLength(0)
    expect(limiter.slotsFor(D)).toBe(4)
  })

  it('sets turned-away postbacks aside for longer while the destination stays full', () => {
    const limiter = new DestinationLimiter(1)
    const first = limiter.turnAway(D)
    const later = [1, 2, 3, 4].map(() => limiter.turnAway(D)).at(-1)!
    expect(first).toBeGreaterThanOrEqual(80)
    expect(first).toBeLessThanOrEqual(120)
    expect(later).toBeGreaterThan(first * 8)
    limiter.acquire(D)
    expect(limiter.turnAway(D)).toBeLessThanOrEqual(120)
  })
})

describe('signalOf', () => {
  it('reads 2xx as success, 429/503/timeouts as overload and the rest as failure', () => {
    const base = { startedAt: 0, durationMs: 1 }
    expect(signalOf({ ...base, statusCode: 204 })).toBe('success')
    expect(signalOf({ ...base, statusCode: 429 })).toBe('overload')
    expect(signalOf({ ...base, statusCode: 503 })).toBe('overload')
    expect(signalOf({ ...base, error: 'Timed out after 5 ms', timedOut: true })).toBe('overload')
    expect(signalOf({ ...base, statusCode: 500 })).toBe('failure')
    expect(signalOf({ ...base, error: 'ECONNREFUSED' })).toBe('failure')
  })
})
