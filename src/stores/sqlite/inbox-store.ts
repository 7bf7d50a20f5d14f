// STORE=sqlite's durable inbox: DATA_DIR/inbox.sqlite, a file of its own beside postbacks.sqlite,
// so that inbox writes never wait on the postback scheduler's transactions (and the postbacks
// file's exclusive lock is left alone). Same durability: WAL, synchronous=NORMAL, committed
// before a dispatch is answered, so a stored message survives kill -9.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { StoreStartError } from '../../postbacks/store.js'
import { byMostPending, type AddResult, type InboxStore, type StoredMessage, type UserInbox } from '../../realtime/inbox/store.js'
import type { InboxMessage } from '../../realtime/schemas/inbox.js'
import { batched, type Outcome } from '../batched.js'
import type { DiskWatch } from './disk-watch.js'

interface Add {
  userIds: string[]
  message: InboxMessage
  expiresAt: number
  maxPerUser: number
  now: number
}

/** Append-only, as in database.ts: a released entry is never edited. */
const MIGRATIONS: string[] = [
  // AUTOINCREMENT: a seq is never reused, so a replay that stopped after seq N never skips a newer message.
  `CREATE TABLE inbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX inbox_user_message ON inbox(user_id, message_id);
   CREATE INDEX inbox_user_seq ON inbox(user_id, seq);
   CREATE INDEX inbox_expiry ON inbox(expires_at);
   -- Messages per user, expired ones included until purged: the limit check reads one row.
   CREATE TABLE inbox_counts (user_id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TRIGGER inbox_counted AFTER INSERT ON inbox BEGIN
     INSERT INTO inbox_counts VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER inbox_uncounted AFTER DELETE ON inbox BEGIN
     UPDATE inbox_counts SET n = n - 1 WHERE user_id = OLD.user_id;
     DELETE FROM inbox_counts WHERE user_id = OLD.user_id AND n <= 0;
   END;`,
  // The users with the most messages: read from the top of inbox_counts, and each one's expired
  // (not yet purged) messages counted without reading the others.
  `CREATE INDEX inbox_counts_by_size ON inbox_counts(n);
   CREATE INDEX inbox_user_expiry ON inbox(user_id, expires_at);`,
]

function openInboxDatabase(dataDir: string): Database.Database {
  const file = join(dataDir, 'inbox.sqlite')
  try {
    mkdirSync(dataDir, { recursive: true })
    const db = new Database(file)
    db.pragma('busy_timeout = 500')
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const current = db.pragma('user_version', { simple: true }) as number
    db.transaction(() => {
      for (let version = current; version < MIGRATIONS.length; version++) db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${MIGRATIONS.length}`)
    }).immediate()
    return db
  } catch (error) {
    const { code, message } = error as Error & { code?: string }
    throw new StoreStartError(`DATA_DIR ${resolve(dataDir)} cannot be used: inbox.sqlite: ${message}${code ? ` (${code})` : ''}`)
  }
}

export function createSqliteInboxStore(dataDir: string, disk: DiskWatch): InboxStore {
  const db = openInboxDatabase(dataDir)
  const sql = {
    count: db.prepare<[string], { n: number }>('SELECT n FROM inbox_counts WHERE user_id = ?'),
    purgeUser: db.prepare('DELETE FROM inbox WHERE user_id = ? AND expires_at <= ?'),
    insert: db.prepare('INSERT INTO inbox (user_id, message_id, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
    pending: db.prepare<[string, number, number, number], { seq: number; body: string }>(
      'SELECT seq, body FROM inbox WHERE user_id = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?',
    ),
    ack: db.prepare('DELETE FROM inbox WHERE user_id = ? AND message_id = ?'),
    stats: db.prepare<[string, number], { n: number; oldest: number | null }>(
      'SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM inbox WHERE user_id = ? AND expires_at > ?',
    ),
    clear: db.prepare('DELETE FROM inbox WHERE user_id = ?'),
    top: db.prepare<[number], { userId: string; n: number }>('SELECT user_id AS userId, n FROM inbox_counts ORDER BY n DESC LIMIT ?'),
    expired: db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM inbox WHERE user_id = ? AND expires_at <= ?'),
    oldest: db.prepare<[string, number], { at: number }>(
      'SELECT created_at AS at FROM inbox INDEXED BY inbox_user_seq WHERE user_id = ? AND expires_at > ? ORDER BY seq LIMIT 1',
    ),
    purge: db.prepare('DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox WHERE expires_at <= ? LIMIT ?)'),
  }

  const count = (userId: string) => sql.count.get(userId)?.n ?? 0
  /** Whether the user holds the most allowed; expired messages are dropped before they count. */
  const isFull = (userId: string, maxPerUser: number, now: number) => {
    if (count(userId) < maxPerUser) return false
    sql.purgeUser.run(userId, now)
    return count(userId) >= maxPerUser
  }

  /** The users most counted, each with their unexpired messages: one read, so counts and rows agree. */
  const busiest = db.transaction((limit: number, now: number): UserInbox[] =>
    sql.top
      .all(limit)
      .map(({ userId, n }) => {
        const oldest = sql.oldest.get(userId, now)
        return { userId, pending: n - sql.expired.get(userId, now)!.n, oldestAt: oldest ? new Date(oldest.at).toISOString() : null }
      })
      .filter((user) => user.pending > 0),
  )

  const addOne = ({ userIds, message, expiresAt, maxPerUser, now }: Add): AddResult => {
    const full = userIds.find((userId) => isFull(userId, maxPerUser, now))
    if (full !== undefined) return { full }
    const body = JSON.stringify(message)
    const createdAt = Date.parse(message.timestamp)
    for (const userId of userIds) sql.insert.run(userId, message.messageId, body, createdAt, expiresAt)
    return {}
  }
  const addMany = db.transaction((adds: Add[]) => adds.map(addOne))
  // The adds of one event-loop turn share one commit; if that fails (a full disk), each is tried alone.
  const add = batched((adds: Add[]): Outcome<AddResult>[] => {
    try {
      return disk.write(() => addMany.immediate(adds)).map((value) => ({ value }))
    } catch {
      return adds.map((one) => {
        try {
          return { value: disk.write(() => addMany.immediate([one]))[0]! }
        } catch (error) {
          return { error }
        }
      })
    }
  })

  return {
    add: (userIds, message, expiresAt, maxPerUser, now) => add({ userIds, message, expiresAt, maxPerUser, now }),

    async pending(userId, afterSeq, limit, maxBytes, now): Promise<StoredMessage[]> {
      const page: StoredMessage[] = []
      let bytes = 0
      for (const row of sql.pending.iterate(userId, afterSeq, now, limit)) {
        bytes += Buffer.byteLength(row.body)
        if (page.length > 0 && bytes > maxBytes) break
        page.push({ seq: row.seq, message: JSON.parse(row.body) as InboxMessage })
      }
      return page
    },

    ack: async (userId, messageId) => disk.write(() => sql.ack.run(userId, messageId).changes > 0),

    async stats(userId, now) {
      const row = sql.stats.get(userId, now)!
      return { pending: row.n, oldestAt: row.oldest === null ? null : new Date(row.oldest).toISOString() }
    },

    busiest: async (limit, now) => byMostPending(busiest(limit, now)),

    clear: async (userId) => disk.write(() => sql.clear.run(userId).changes),

    purgeExpired: async (now, limit) => disk.write(() => sql.purge.run(now, limit).changes),

    async close() {
      db.close()
    },
  }
}
