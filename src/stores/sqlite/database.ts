// Opens the SQLite file in DATA_DIR: WAL, exclusive to this process, schema migrated.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { StoreStartError } from '../../postbacks/store.js'
import { mergeTrailingDotDestinations } from './merge-destinations.js'

/**
 * The schema's history. Append-only: a database records how many of these it has run
 * (user_version) and runs the rest at start, so an entry, once released, is never edited. An
 * entry is SQL, or a function for a change of data that SQL cannot say.
 */
const MIGRATIONS: (string | ((db: Database.Database) => void))[] = [
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
  // What an idempotent request asked for, so that a reused key asking for something else is refused.
  `ALTER TABLE postbacks ADD COLUMN fingerprint TEXT;`,
  // Destinations as first-class objects (settings, pause, quarantine, secrets), ordering keys and
  // callbacks. A row stored before this has timeout_given = 1: its timeout was the caller's or the
  // default of its day, and stays as it was.
  `ALTER TABLE postbacks ADD COLUMN timeout_given INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE postbacks ADD COLUMN ordering_key TEXT;
   ALTER TABLE postbacks ADD COLUMN order_seq INTEGER;
   ALTER TABLE postbacks ADD COLUMN callback_url TEXT;
   ALTER TABLE postbacks ADD COLUMN failure_callback_url TEXT;
   ALTER TABLE postbacks ADD COLUMN callback_due INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX postbacks_ordering ON postbacks(destination, ordering_key, order_seq, seq)
     WHERE status = 'pending' AND ordering_key IS NOT NULL;
   CREATE INDEX postbacks_callback_due ON postbacks(seq) WHERE callback_due = 1;
   -- Places in an ordering key's line: every new or re-queued postback with a key takes the next.
   CREATE TABLE order_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
   INSERT INTO order_counter VALUES (1, 0);
   CREATE TABLE destinations (
     destination TEXT PRIMARY KEY,
     max_concurrency INTEGER,
     rate_per_second REAL,
     timeout_ms INTEGER,
     paused_at INTEGER,
     active_since INTEGER,
     streak INTEGER NOT NULL DEFAULT 0,
     streak_since INTEGER,
     quarantined_at INTEGER,
     probe_at INTEGER,
     probe_delay_ms INTEGER NOT NULL DEFAULT 0,
     hold_until INTEGER,
     last_attempt_at INTEGER,
     last_error TEXT,
     secret TEXT,
     previous_secret TEXT,
     rotated_at INTEGER
   ) WITHOUT ROWID;`,
  // A host's trailing dot no longer makes another destination.
  mergeTrailingDotDestinations,
]

export function openDatabase(dataDir: string): Database.Database {
  const file = join(dataDir, 'postbacks.sqlite')
  let db: Database.Database
  try {
    mkdirSync(dataDir, { recursive: true })
    db = new Database(file)
  } catch (error) {
    throw unusable(dataDir, error)
  }
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
    throw unusable(dataDir, error)
  }
  return db
}

/** A one-line StoreStartError saying why DATA_DIR cannot be used, naming what to change. */
function unusable(dataDir: string, error: unknown): StoreStartError {
  const { code, message } = error as Error & { code?: string }
  return new StoreStartError(`DATA_DIR ${resolve(dataDir)} cannot be used: ${problemOf(code, message)}`)
}

function problemOf(code: string | undefined, message: string): string {
  switch (code) {
    case 'SQLITE_BUSY':
      return 'another running instance is using it'
    case 'EEXIST':
      return 'it is a file, not a directory'
    case 'ENOTDIR':
      return 'a part of its path is a file, not a directory'
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `it cannot be created or written (${code}); give this user write access or choose another DATA_DIR`
    case 'ENOENT':
      return `a parent directory is missing and cannot be created (${code})`
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `postbacks.sqlite is not a usable database (${message}); restore a backup, or move it away to start empty`
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return `the disk is full (${code})`
    default:
      return code ? `${message} (${code})` : message
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  db.transaction(() => {
    for (let version = current; version < MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version]!
      if (typeof migration === 'string') db.exec(migration)
      else migration(db)
    }
    // Always write once, so the exclusive lock is taken at start-up.
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  }).immediate()
}
