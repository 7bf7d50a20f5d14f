// The circuit breaker that loses nothing (SPEC §7): a destination whose host keeps failing is
// quarantined — its postbacks wait, pending, spending no attempts — and one real attempt now and
// then probes it until it answers again. Pure rules, applied by both store drivers (the Redis
// driver mirrors them in Lua, held to them by the store contract tests).
import { codes } from '../errors.js'
import type { AttemptResult } from '../postbacks/delivery/http-client.js'

/** What an attempt says about the receiver's health. */
export type StreakSignal = 'fail' | 'ok' | 'none'

/** The answers that say the host itself is unwell, not one of its endpoints. */
const HOST_FAILURE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504])

/**
 * Network errors, timeouts, 429, 502, 503 and 504 count; a 2xx ends the streak; any other answer
 * (a 500 from one path, a 4xx) is that endpoint's own and does neither, so it never holds the rest
 * of its host.
 */
export function streakSignalOf(result: AttemptResult): StreakSignal {
  const status = result.statusCode
  if (status === undefined) return result.permanent ? 'none' : 'fail'
  if (status >= 200 && status < 300) return 'ok'
  return HOST_FAILURE_STATUSES.has(status) ? 'fail' : 'none'
}

/** Counted failures in a row before a destination can be quarantined. */
export const MIN_STREAK = 5

export interface Health {
  /** counted failures in a row */
  streak: number
  /** when the streak's first failure happened, epoch ms */
  streakSince: number | null
  quarantinedAt: number | null
  /** quarantined: when the next probe may start (null while one is under way) */
  probeAt: number | null
  /** quarantined: how long after a probe that does not succeed the next one starts */
  probeDelayMs: number
}

export const HEALTHY: Health = { streak: 0, streakSince: null, quarantinedAt: null, probeAt: null, probeDelayMs: 0 }

export interface HealthChange {
  health: Health
  /** the destination became quarantined (with why) or recovered */
  event?: { kind: 'quarantined'; reason: string } | { kind: 'recovered'; reason: string }
}

export interface HealthRules {
  /** DESTINATION_QUARANTINE_AFTER_MS; 0 turns quarantine off */
  quarantineAfterMs: number
  /** DESTINATION_PROBE_MS: the first probe waits this long; each next one twice as long as the last */
  firstProbeMs: number
  /** DESTINATION_PROBE_MAX_MS: the longest wait between probes */
  maxProbeMs: number
}

export interface AttemptFacts {
  signal: StreakSignal
  /** the attempt probed the quarantined destination */
  probe: boolean
  /** the retry policy would end the postback as failed */
  wouldFail: boolean
  /** why it failed, for the event's reason */
  error?: string
  now: number
}

/** The destination's health after an attempt. */
export function afterAttempt(health: Health, facts: AttemptFacts, rules: HealthRules): HealthChange {
  const { signal, now } = facts
  if (signal === 'ok') {
    if (health.quarantinedAt === null) return { health: { ...HEALTHY } }
    return { health: { ...HEALTHY }, event: { kind: 'recovered', reason: facts.probe ? 'a probe succeeded' : 'an attempt succeeded' } }
  }
  const next: Health = signal === 'fail' ? { ...health, streak: health.streak + 1, streakSince: health.streakSince ?? now } : health
  if (next.quarantinedAt !== null) {
    if (!facts.probe) return { health: next }
    // A probe that did not succeed: the next one waits longer, up to maxProbeMs.
    const delay = Math.min(rules.maxProbeMs, next.probeDelayMs * 2)
    return { health: { ...next, probeAt: now + next.probeDelayMs, probeDelayMs: delay } }
  }
  if (signal === 'fail' && shouldQuarantine(next, now, rules, facts.wouldFail)) return quarantine(next, now, rules, facts.error)
  return { health: next }
}

/** The timer's check: a streak old enough quarantines the destination even without another attempt. */
export function afterTime(health: Health, now: number, rules: HealthRules): HealthChange {
  if (health.quarantinedAt !== null || !shouldQuarantine(health, now, rules, false)) return { health }
  return quarantine(health, now, rules)
}

/** When afterTime may next change anything; null when no timer is needed. */
export function checkAt(health: Health, rules: HealthRules): number | null {
  if (rules.quarantineAfterMs === 0 || health.quarantinedAt !== null || health.streakSince === null) return null
  return health.streak >= MIN_STREAK ? health.streakSince + rules.quarantineAfterMs : null
}

function shouldQuarantine(health: Health, now: number, rules: HealthRules, wouldFail: boolean): boolean {
  if (rules.quarantineAfterMs === 0 || health.streak < MIN_STREAK || health.streakSince === null) return false
  return wouldFail || now - health.streakSince >= rules.quarantineAfterMs
}

/** The lastError of a postback failed because its destination stayed quarantined too long, before the destination's name. */
export const GIVE_UP_ERROR = `${codes.DESTINATION_QUARANTINED}: gave up after DESTINATION_GIVE_UP_AFTER_MS in quarantine of `

/** Why a destination was quarantined, in the words of its operations event. */
export function quarantineReason(streak: number, since: number, error?: string): string {
  const last = error ? `; last: ${error}` : ''
  return `${streak} failed attempts in a row since ${new Date(since).toISOString()}${last}`
}

function quarantine(health: Health, now: number, rules: HealthRules, error?: string): HealthChange {
  return {
    health: {
      ...health,
      quarantinedAt: now,
      probeAt: now + rules.firstProbeMs,
      probeDelayMs: Math.min(rules.maxProbeMs, rules.firstProbeMs * 2),
    },
    event: { kind: 'quarantined', reason: quarantineReason(health.streak, health.streakSince ?? now, error) },
  }
}
