// Two stored destinations that name one (an earlier version kept `https://a.com.:443` apart from
// `https://a.com:443`) become one at start-up (SPEC §7). Both drivers store a destination's
// settings and state under the same field names (a SQLite column, a Redis hash field), so the rule
// is written once, by field name; a missing value is null, or '' in Redis.

/** A stored destination's fields, by name. */
export type StoredFields = Record<string, string | number | null>

/** Fields taken together from one of the two, never mixed. */
const HEALTH = ['streak', 'streak_since', 'quarantined_at', 'probe_at', 'probe_delay_ms']
const SECRETS = ['secret', 'previous_secret', 'rotated_at']
const LAST_ATTEMPT = ['last_attempt_at', 'last_error']

const has = (value: string | number | null | undefined) => value !== null && value !== undefined && value !== ''
const numberOf = (value: string | number | null | undefined) => (has(value) ? Number(value) : 0)

/**
 * The destination `kept` (the canonical name's) after taking in `merged`: each field `kept` has
 * wins (its settings first of all) and one only `merged` has is taken, so it stays paused if either
 * was; its health is the quarantined one's, else the one with a failure streak; its secrets are
 * `kept`'s if it has any of its own; a Retry-After hold lasts as long as the longer one.
 */
export function mergeStoredDestinations(kept: StoredFields, merged: StoredFields): StoredFields {
  const result: StoredFields = { ...merged }
  for (const [field, value] of Object.entries(kept)) if (has(value) || !has(result[field])) result[field] = value
  const healthOf = has(kept.quarantined_at) || (!has(merged.quarantined_at) && numberOf(kept.streak) > 0) ? kept : merged
  const secretsOf = SECRETS.some((field) => has(kept[field])) ? kept : merged
  const lastOf = numberOf(kept.last_attempt_at) >= numberOf(merged.last_attempt_at) ? kept : merged
  for (const [fields, from] of [[HEALTH, healthOf], [SECRETS, secretsOf], [LAST_ATTEMPT, lastOf]] as const) {
    for (const field of fields) result[field] = from[field] ?? null
  }
  if (has(kept.hold_until) || has(merged.hold_until)) result.hold_until = Math.max(numberOf(kept.hold_until), numberOf(merged.hold_until))
  return result
}
