import { describe, expect, it } from 'vitest'
import { limitOf, loadSignalOf, nextWindow, type LoadSignal } from '../../src/postbacks/destination-window.js'
import { DestinationSlots } from '../../src/stores/sqlite/destination-slots.js'

const D = 'https://example.com:443'

/** `count` attempts to D, one after another, each ending with `signal`; the free slots after them. */
function attempts(slots: DestinationSlots, signal: LoadSignal, count: number): number {
  for (let i = 0; i < count; i++) {
    slots.acquire(D)
    slots.release(D, signal)
  }
  return slots.free(D)
}

describe('the destination window', () => {
  it('halves on overload, never below 1, and leaves other failures alone', () => {
    expect(nextWindow(8, 'overload', 8)).toBe(4)
    expect(nextWindow(1, 'overload', 8)).toBe(1)
    expect(nextWindow(3, 'failure', 8)).toBe(3)
  })

  it('grows by one slot per round of successes, up to the cap', () => {
    let window = 2
    window = nextWindow(window, 'success', 4)
    window = nextWindow(window, 'success', 4)
    expect(limitOf(window, 4)).toBe(3)
    for (let i = 0; i < 10; i++) window = nextWindow(window, 'success', 4)
    expect(window).toBe(4)
  })

  it('limits to the cap even when the window was grown under a larger one', () => {
    expect(limitOf(10, 4)).toBe(4)
    expect(limitOf(0.5, 4)).toBe(1)
  })
})

describe('DestinationSlots (the embedded store)', () => {
  it('gives every destination the cap until it struggles', () => {
    const slots = new DestinationSlots(4)
    expect(slots.free(D)).toBe(4)
    slots.acquire(D)
    slots.acquire(D)
    expect(slots.free(D)).toBe(2)
    expect(slots.free('https://other.example:443')).toBe(4)
    slots.release(D, 'success')
    expect(slots.free(D)).toBe(3)
  })

  it('halves on overload and grows back one slot per round of successes', () => {
    const slots = new DestinationSlots(4)
    expect(attempts(slots, 'overload', 5)).toBe(1)
    expect(attempts(slots, 'success', 1)).toBe(2)
    expect(attempts(slots, 'success', 2)).toBe(3)
    expect(attempts(slots, 'success', 3)).toBe(4)
    expect(attempts(slots, 'success', 10)).toBe(4)
  })

  it('counts other failures in the failure rate without shrinking the window', () => {
    const slots = new DestinationSlots(4)
    attempts(slots, 'failure', 1)
    attempts(slots, 'success', 1)
    expect(slots.free(D)).toBe(4)
    expect(slots.snapshot()).toEqual([{ destination: D, inFlight: 0, limit: 4, failureRate: 0.5 }])
  })

  it('forgets a destination idle for a minute', () => {
    let now = 0
    const slots = new DestinationSlots(4, () => now)
    attempts(slots, 'overload', 1)
    expect(slots.snapshot()).toHaveLength(1)
    now = 61_000
    expect(slots.snapshot()).toHaveLength(0)
    expect(slots.free(D)).toBe(4)
  })
})

describe('loadSignalOf', () => {
  it('reads 2xx as success, 429/503/timeouts as overload and the rest as failure', () => {
    const base = { startedAt: 0, durationMs: 1 }
    expect(loadSignalOf({ ...base, statusCode: 204 })).toBe('success')
    expect(loadSignalOf({ ...base, statusCode: 429 })).toBe('overload')
    expect(loadSignalOf({ ...base, statusCode: 503 })).toBe('overload')
    expect(loadSignalOf({ ...base, error: 'Timed out after 5 ms', timedOut: true })).toBe('overload')
    expect(loadSignalOf({ ...base, statusCode: 500 })).toBe('failure')
    expect(loadSignalOf({ ...base, error: 'ECONNREFUSED' })).toBe('failure')
  })
})
