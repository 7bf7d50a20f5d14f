import { describe, expect, it } from 'vitest'
import type { AttemptResult } from '../../src/postbacks/delivery/http-client.js'
import { retryAfter } from '../../src/postbacks/delivery/http-client.js'
import { RETRY_AFTER_CAP_MS, backoffDelay, decideOutcome, failureReason } from '../../src/postbacks/retry-policy.js'

const result = (fields: Partial<AttemptResult>): AttemptResult => ({ startedAt: 1_000_000, durationMs: 10, ...fields })
const policy = { backoffMs: 1000, random: () => 0.5 }

describe('backoffDelay', () => {
  it('doubles from backoffMs with each failed attempt', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, () => 0.5))).toEqual([1000, 2000, 4000, 8000])
  })

  it('spreads each delay by at most 20 % either way, so gaps still grow', () => {
    expect(backoffDelay(1, 1000, () => 0)).toBe(800)
    expect(backoffDelay(1, 1000, () => 0.999999)).toBe(1200)
    expect(backoffDelay(2, 1000, () => 0)).toBeGreaterThan(backoffDelay(1, 1000, () => 0.999999))
  })
})

describe('decideOutcome', () => {
  it('completes on any 2xx', () => {
    for (const statusCode of [200, 201, 204, 299]) {
      expect(decideOutcome(result({ statusCode }), 1, 3, policy).kind).toBe('completed')
    }
  })

  it('retries other statuses and errors while attempts remain, after the backoff', () => {
    const outcome = decideOutcome(result({ statusCode: 500 }), 2, 3, policy)
    expect(outcome).toMatchObject({ kind: 'retry', retryAt: 1_000_000 + 10 + 2000 })
    expect(decideOutcome(result({ error: 'ECONNRESET' }), 1, 3, policy).kind).toBe('retry')
    expect(decideOutcome(result({ statusCode: 301 }), 1, 3, policy).kind).toBe('retry')
  })

  it('fails once the last attempt fails', () => {
    expect(decideOutcome(result({ statusCode: 500 }), 3, 3, policy).kind).toBe('failed')
  })

  it('fails at once on 410 Gone and on a permanent error', () => {
    expect(decideOutcome(result({ statusCode: 410 }), 1, 5, policy).kind).toBe('failed')
    expect(decideOutcome(result({ error: 'blocked', permanent: true }), 1, 5, policy).kind).toBe('failed')
  })

  it('waits for Retry-After when it is longer than the backoff, up to the cap', () => {
    const longer = decideOutcome(result({ statusCode: 429, retryAfterMs: 5000 }), 1, 3, policy)
    expect(longer).toMatchObject({ retryAt: 1_000_010 + 5000 })
    const shorter = decideOutcome(result({ statusCode: 429, retryAfterMs: 10 }), 1, 3, policy)
    expect(shorter).toMatchObject({ retryAt: 1_000_010 + 1000 })
    const huge = decideOutcome(result({ statusCode: 503, retryAfterMs: 10 * RETRY_AFTER_CAP_MS }), 1, 3, policy)
    expect(huge).toMatchObject({ retryAt: 1_000_010 + RETRY_AFTER_CAP_MS })
  })

  it('records the attempt as the API shows it', () => {
    const outcome = decideOutcome(result({ statusCode: 500, responseBody: 'no' }), 1, 3, policy)
    expect(outcome.attempt).toEqual({
      at: new Date(1_000_000).toISOString(),
      durationMs: 10,
      statusCode: 500,
      error: 'HTTP 500 Internal Server Error',
      responseBody: 'no',
    })
  })

  it('gives a successful attempt no error', () => {
    expect(decideOutcome(result({ statusCode: 204 }), 1, 3, policy).attempt.error).toBeUndefined()
  })
})

describe('failureReason', () => {
  it.each([
    [{ statusCode: 500 }, 'HTTP 500 Internal Server Error'],
    [{ statusCode: 503 }, 'HTTP 503 Service Unavailable'],
    [{ statusCode: 404 }, 'HTTP 404 Not Found'],
    [{ statusCode: 599 }, 'HTTP 599'],
    [{ statusCode: 410 }, 'HTTP 410 Gone: the receiver says the endpoint is gone'],
    [{ statusCode: 301 }, 'HTTP 301 Moved Permanently: redirects are not followed'],
    [{ statusCode: 429, retryAfterMs: 5000 }, 'HTTP 429 Too Many Requests: retry after 5 s'],
    [{ statusCode: 503, retryAfterMs: 120_000 }, 'HTTP 503 Service Unavailable: retry after 120 s'],
    [{ error: 'Timed out after 200 ms', timedOut: true }, 'Timed out after 200 ms'],
    [{ error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' }, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9'],
  ])('describes %o as "%s"', (fields, reason) => {
    expect(failureReason(result(fields))).toBe(reason)
  })
})

describe('retryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  it('reads seconds and HTTP dates on 429 and 503 only', () => {
    expect(retryAfter(429, '3', now)).toEqual({ retryAfterMs: 3000 })
    expect(retryAfter(503, 'Thu, 01 Jan 2026 00:00:10 GMT', now)).toEqual({ retryAfterMs: 10_000 })
    expect(retryAfter(500, '3', now)).toEqual({})
    expect(retryAfter(429, undefined, now)).toEqual({})
    expect(retryAfter(429, 'soon', now)).toEqual({})
    expect(retryAfter(429, '-1', now)).toEqual({})
  })
})
