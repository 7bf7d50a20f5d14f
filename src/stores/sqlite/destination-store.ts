// The embedded store's destinations: the DestinationBook in memory, written through to the
// destinations table, with pending counts from the postbacks table.
import type Database from 'better-sqlite3'
import type { DestinationRecord, DestinationStore, Secrets } from '../../destinations/store.js'
import type { SettingsPatch } from '../../destinations/types.js'
import type { DestinationBook } from './destination-book.js'
import type { destinationRows } from './destination-rows.js'
import type { DiskWatch } from './disk-watch.js'

export interface SqliteDestinationContext {
  db: Database.Database
  book: DestinationBook
  destinations: ReturnType<typeof destinationRows>
  disk: DiskWatch
  /** the postbacks of a destination whose settings or state changed are looked at again */
  changed(destination: string): void
}

export function createSqliteDestinationStore(context: SqliteDestinationContext): DestinationStore {
  const { db, book, destinations, disk } = context
  const pendingOf = db.prepare(`SELECT COUNT(*) AS pending FROM postbacks WHERE destination = ? AND status = 'pending'`)
  const byDestination = db.prepare(
    `SELECT destination, SUM(status = 'pending') AS pending FROM postbacks GROUP BY destination`,
  )
  const inPostbacks = db.prepare(`SELECT 1 FROM postbacks WHERE destination = ? LIMIT 1`)

  /** Writes what changed in the book, and lets the scheduler look at the destination again. */
  const commit = (destination: string) => {
    book.touched(destination)
    disk.write(() => destinations.save(book.takeChanges()))
    context.changed(destination)
  }
  const record = (destination: string) => recordOf(book, destination, (pendingOf.get(destination) as { pending: number }).pending)

  return {
    async list(): Promise<DestinationRecord[]> {
      const pending = new Map((byDestination.all() as { destination: string; pending: number }[]).map((r) => [r.destination, r.pending]))
      const names = new Set([...pending.keys(), ...book.names()])
      return [...names].map((name) => recordOf(book, name, pending.get(name) ?? 0))
    },

    async get(destination: string): Promise<DestinationRecord | undefined> {
      if (!book.known(destination) && !inPostbacks.get(destination)) return undefined
      return record(destination)
    },

    async configure(destination: string, patch: SettingsPatch): Promise<DestinationRecord> {
      const entry = book.entry(destination)
      entry.settings = { ...entry.settings, ...patch }
      commit(destination)
      return record(destination)
    },

    async pause(destination: string, now: number): Promise<boolean> {
      const entry = book.entry(destination)
      if (entry.pausedAt !== null) return false
      entry.pausedAt = now
      commit(destination)
      return true
    },

    async resume(destination: string, now: number): Promise<boolean> {
      const entry = book.entry(destination)
      if (entry.pausedAt === null) return false
      entry.pausedAt = null
      if (entry.health.quarantinedAt === null) entry.activeSince = now
      commit(destination)
      return true
    },

    async secrets(destination: string): Promise<Secrets> {
      const entry = book.known(destination)
      return { secret: entry?.secret ?? null, previousSecret: entry?.previousSecret ?? null, rotatedAt: entry?.rotatedAt ?? null }
    },

    async rotateSecret(destination: string, secret: string | null, previous: string | null, now: number): Promise<void> {
      const entry = book.entry(destination)
      entry.secret = secret
      entry.previousSecret = previous
      entry.rotatedAt = now
      commit(destination)
    },
  }
}

/** What the destination store answers for one destination. */
function recordOf(book: DestinationBook, destination: string, pending: number): DestinationRecord {
  const d = book.entry(destination)
  const stats = book.stats(destination)
  return {
    destination,
    settings: { ...d.settings },
    pausedAt: d.pausedAt,
    quarantinedAt: d.health.quarantinedAt,
    activeSince: d.activeSince,
    inFlight: stats.inFlight,
    limit: d.pausedAt !== null ? 0 : stats.limit,
    failureRate: stats.failureRate,
    pending,
    lastAttemptAt: d.lastAttemptAt,
    lastError: d.lastError,
    hasSecret: d.secret !== null,
    rotatedAt: d.rotatedAt,
  }
}
