// Which of two stored destinations that name one wins what (src/destinations/merge.ts), as both
// drivers store them: null in SQLite, missing or '' in Redis.
import { describe, expect, it } from 'vitest'
import { mergeStoredDestinations } from '../../src/destinations/merge.js'

describe('mergeStoredDestinations', () => {
  it('keeps each setting the dotless one has, and takes the ones only the other has', () => {
    const merged = mergeStoredDestinations(
      { max_concurrency: 2, rate_per_second: null, timeout_ms: '' },
      { max_concurrency: 3, rate_per_second: 50, timeout_ms: 900 },
    )
    expect(merged).toMatchObject({ max_concurrency: 2, rate_per_second: 50, timeout_ms: 900 })
  })

  it('stays paused and quarantined if either was, taking that one’s whole health', () => {
    const merged = mergeStoredDestinations(
      { paused_at: null, streak: 2, streak_since: 10, quarantined_at: null, probe_at: null, probe_delay_ms: 0 },
      { paused_at: 5, streak: 6, streak_since: 1, quarantined_at: 3, probe_at: 40, probe_delay_ms: 60_000 },
    )
    expect(merged).toMatchObject({ paused_at: 5, streak: 6, streak_since: 1, quarantined_at: 3, probe_at: 40, probe_delay_ms: 60_000 })
    expect(mergeStoredDestinations({ streak: '2', streak_since: '10' }, { streak: '0' })).toMatchObject({ streak: '2', streak_since: '10' })
  })

  it('keeps the dotless one’s secrets whole when it has any, else the other’s', () => {
    const own = { secret: null, previous_secret: 'whsec_b2xkb2xkb2xkb2xk', rotated_at: 7 }
    const other = { secret: 'whsec_bmV3bmV3bmV3bmV3', previous_secret: null, rotated_at: 9 }
    expect(mergeStoredDestinations(own, other)).toMatchObject(own)
    expect(mergeStoredDestinations({ secret: '' }, other)).toMatchObject(other)
  })

  it('keeps the later last attempt with its error, and the longer hold', () => {
    const merged = mergeStoredDestinations(
      { last_attempt_at: 5, last_error: 'HTTP 500', hold_until: 100 },
      { last_attempt_at: 9, last_error: null, hold_until: 300 },
    )
    expect(merged).toMatchObject({ last_attempt_at: 9, last_error: null, hold_until: 300 })
  })
})
