// The destinations table: each destination's settings and state, read at start and written
// whenever they change (in the same transaction as the attempts that changed them).
import type Database from 'better-sqlite3'
import type { StoredDestination } from './destination-book.js'

interface DestinationRow {
  destination: string
  max_concurrency: number | null
  rate_per_second: number | null
  timeout_ms: number | null
  paused_at: number | null
  active_since: number | null
  streak: number
  streak_since: number | null
  quarantined_at: number | null
  probe_at: number | null
  probe_delay_ms: number
  hold_until: number | null
  last_attempt_at: number | null
  last_error: string | null
  secret: string | null
  previous_secret: string | null
  rotated_at: number | null
}

const COLUMNS: (keyof DestinationRow)[] = [
  'destination', 'max_concurrency', 'rate_per_second', 'timeout_ms', 'paused_at', 'active_since', 'streak',
  'streak_since', 'quarantined_at', 'probe_at', 'probe_delay_ms', 'hold_until', 'last_attempt_at', 'last_error',
  'secret', 'previous_secret', 'rotated_at',
]

function toRow(destination: string, d: StoredDestination): DestinationRow {
  return {
    destination,
    max_concurrency: d.settings.maxConcurrency,
    rate_per_second: d.settings.ratePerSecond,
    timeout_ms: d.settings.timeoutMs,
    paused_at: d.pausedAt,
    active_since: d.activeSince,
    streak: d.health.streak,
    streak_since: d.health.streakSince,
    quarantined_at: d.health.quarantinedAt,
    probe_at: d.health.probeAt,
    probe_delay_ms: d.health.probeDelayMs,
    hold_until: d.holdUntil,
    last_attempt_at: d.lastAttemptAt,
    last_error: d.lastError,
    secret: d.secret,
    previous_secret: d.previousSecret,
    rotated_at: d.rotatedAt,
  }
}

function fromRow(row: DestinationRow): StoredDestination {
  return {
    settings: { maxConcurrency: row.max_concurrency, ratePerSecond: row.rate_per_second, timeoutMs: row.timeout_ms },
    pausedAt: row.paused_at,
    activeSince: row.active_since,
    health: {
      streak: row.streak,
      streakSince: row.streak_since,
      quarantinedAt: row.quarantined_at,
      // A probe under way when the process stopped is made again.
      probeAt: row.quarantined_at !== null ? (row.probe_at ?? Date.now()) : null,
      probeDelayMs: row.probe_delay_ms,
    },
    holdUntil: row.hold_until,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    secret: row.secret,
    previousSecret: row.previous_secret,
    rotatedAt: row.rotated_at,
  }
}

export function destinationRows(db: Database.Database) {
  const upsert = db.prepare(
    `INSERT INTO destinations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
     ON CONFLICT (destination) DO UPDATE SET ${COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
  )
  const all = db.prepare(`SELECT ${COLUMNS.join(', ')} FROM destinations`)
  /** Rows that say nothing a default would not (no settings, no state, no secret), idle since `before`. */
  const forget = db.prepare(
    `DELETE FROM destinations WHERE max_concurrency IS NULL AND rate_per_second IS NULL AND timeout_ms IS NULL
       AND paused_at IS NULL AND quarantined_at IS NULL AND secret IS NULL AND previous_secret IS NULL
       AND streak = 0 AND (last_attempt_at IS NULL OR last_attempt_at < @before)
       AND destination NOT IN (SELECT destination FROM postbacks)`,
  )
  return {
    load: (): Map<string, StoredDestination> =>
      new Map((all.all() as DestinationRow[]).map((row) => [row.destination, fromRow(row)])),
    save: (changes: [string, StoredDestination][]) => {
      for (const [name, d] of changes) upsert.run(toRow(name, d))
    },
    forgetIdle: (before: number) => forget.run({ before }).changes,
  }
}
