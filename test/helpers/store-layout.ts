// Writes destinations and postbacks straight into a store, as an earlier version of the service
// left them (a secret it accepted then, a name it did not canonicalize), for an app to start on.
// SQLite: the store must not be open (its file is locked while it is); Redis: any time.
import { Redis } from 'ioredis'
import { openDatabase } from '../../src/stores/sqlite/database.js'
import { ROW_COLUMNS, newRow } from '../../src/stores/sqlite/rows.js'
import { SCHEDULE_VERSION } from '../../src/stores/redis/adopt.js'
import { redisKeys } from '../../src/stores/redis/keys.js'
import { addPostback } from '../../src/stores/redis/lua/add.js'
import { newRecord, recordPairs } from '../../src/stores/redis/record.js'
import type { NewPostback } from '../../src/postbacks/types.js'
import type { Location } from '../stores/drivers.js'
import { REDIS_URL } from './redis.js'

/** A destination's stored fields, by the names both stores keep them under (`secret`, `paused_at`…). */
export type StoredFields = Record<string, string | number>

export interface StoredLayout {
  destinations?: Record<string, StoredFields>
  /** stored pending under their own `destination`, whatever it is */
  postbacks?: NewPostback[]
  /** the same, stored as completed a moment ago */
  completed?: NewPostback[]
  /** SQLite: the schema version the file says it has, so that later migrations run at the next start */
  schemaVersion?: number
}

export async function writeStoredLayout(location: Location, layout: StoredLayout): Promise<void> {
  if (location.env.STORE === 'sqlite') writeSqlite(location.env.DATA_DIR!, layout)
  else await writeRedis(location.env.REDIS_PREFIX!, layout)
}

function writeSqlite(dataDir: string, { destinations = {}, postbacks = [], completed = [], schemaVersion }: StoredLayout): void {
  const db = openDatabase(dataDir)
  try {
    for (const [destination, fields] of Object.entries(destinations)) {
      const row = { destination, ...fields }
      const columns = Object.keys(row)
      db.prepare(`INSERT INTO destinations (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row)
    }
    const insert = db.prepare(`INSERT INTO postbacks (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_COLUMNS.map((c) => `@${c}`).join(', ')})`)
    postbacks.forEach((postback, i) => insert.run({ ...newRow(postback), order_seq: postback.orderingKey === undefined ? null : i + 1 }))
    for (const postback of completed) insert.run({ ...newRow(postback), status: 'completed', next_attempt_at: null, finished_at: Date.now() })
    if (schemaVersion !== undefined) db.pragma(`user_version = ${schemaVersion}`)
  } finally {
    db.close()
  }
}

async function writeRedis(prefix: string, { destinations = {}, postbacks = [], completed = [] }: StoredLayout): Promise<void> {
  const redis = new Redis(REDIS_URL)
  const keys = redisKeys(prefix)
  try {
    // The schedule's layout is today's: nothing is left to adopt from the BullMQ-based version.
    await redis.set(keys.scheduleVersion, SCHEDULE_VERSION)
    for (const [destination, fields] of Object.entries(destinations)) {
      await redis.hset(keys.destination(destination), fields)
      await redis.zadd(keys.destinations, Date.now(), destination)
    }
    // The store's own script, as the earlier version ran it: due at once, or in its key's line.
    const common = { prefix: keys.prefix, now: Date.now(), cap: 4, quarantineAfterMs: 60_000, firstProbeMs: 30_000, maxProbeMs: 600_000 }
    for (const postback of postbacks) {
      await addPostback(redis, {
        ...common,
        id: postback.id,
        idem: '',
        fingerprint: '',
        fields: JSON.stringify(recordPairs(newRecord(postback))),
        dest: postback.destination,
        runAt: postback.runAt,
        orderingKey: postback.orderingKey ?? '',
      })
    }
    for (const postback of completed) {
      const now = Date.now()
      await redis.hset(keys.postback(postback.id), { ...newRecord(postback), status: 'completed', next_attempt_at: '', finished_at: String(now) })
      await redis.zadd(keys.all, 0, postback.id)
      await redis.zadd(keys.byStatus('completed'), 0, postback.id)
      await redis.zadd(keys.finished, now, postback.id)
    }
  } finally {
    redis.disconnect()
  }
}
