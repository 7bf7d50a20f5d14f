// Opens the SQLite file in DATA_DIR: WAL, exclusive to this process, schema migrated.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'

const MIGRATIONS: string[] = [
  `CREATE TABLE postbacks (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     url TEXT NOT NULL,
     destination TEXT NOT NULL,
     method TEXT NOT NULL,
     headers TEXT NOT NULL,
     body TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts_made INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     timeout_ms INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     next_attempt_at INTEGER,
     finished_at INTEGER,
     last_error TEXT,
     last_status_code INTEGER,
     attempts TEXT NOT NULL DEFAULT '[]',
     idempotency_key TEXT,
     notify TEXT
   );
   -- Partial indexes: a postback only pays for the indexes that can find it.
   CREATE UNIQUE INDEX postbacks_idempotency ON postbacks(idempotency_key) WHERE idempotency_key IS NOT NULL;
   CREATE INDEX postbacks_destination_due ON postbacks(destination, next_attempt_at) WHERE status = 'pending';
   CREATE INDEX postbacks_finished ON postbacks(finished_at) WHERE finished_at IS NOT NULL;
   CREATE INDEX postbacks_status ON postbacks(status, seq);`,
]

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
}

export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'postbacks.sqlite')
  const db = new Database(file)
  try {
    // Exclusive locking before WAL: no shared-memory file, and a second process on the same
    // DATA_DIR fails here instead of double-delivering what this one has claimed.
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('busy_timeout = 500')
    db.pragma('journal_mode = WAL')
    // NORMAL in WAL mode: a commit survives a crash or kill -9 of this process; only a power loss
    // or OS crash can lose the last transactions.
    db.pragma('synchronous = NORMAL')
    migrate(db)
  } catch (error) {
    db.close()
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DataDirInUseError(`DATA_DIR ${resolve(dataDir)} is in use by another running instance`)
    }
    throw error
  }
  return db
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  db.transaction(() => {
    for (let version = current; version < MIGRATIONS.length; version++) db.exec(MIGRATIONS[version]!)
    // Always write once, so the exclusive lock is taken at start-up.
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  }).immediate()
}
