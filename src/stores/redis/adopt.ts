// Records written by an earlier version of the service kept their schedule in BullMQ jobs. At
// start, pending and processing postbacks that no due set or lease knows are made due, and the
// old queue's keys are deleted, once per Redis prefix.
import type { Redis } from 'ioredis'
import type { RedisKeys } from './keys.js'
import type { CommonArgs } from './lua/library.js'
import { adoptPostbacks } from './lua/operations.js'

/** Bumped when records need adopting again. */
export const SCHEDULE_VERSION = '2'
const CHUNK = 500

export async function adoptEarlierRecords(redis: Redis, keys: RedisKeys, common: () => CommonArgs): Promise<void> {
  if ((await redis.get(keys.scheduleVersion)) === SCHEDULE_VERSION) return
  for (const status of ['processing', 'pending'] as const) {
    let from = '-'
    for (;;) {
      const ids = await redis.zrange(keys.byStatus(status), from, '+', 'BYLEX', 'LIMIT', 0, CHUNK)
      if (ids.length > 0) await adoptPostbacks(redis, { ...common(), ids: JSON.stringify(ids) })
      if (ids.length < CHUNK) break
      from = `(${ids.at(-1)}`
    }
  }
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}postbacks:*`, 'COUNT', 1000)
    if (found.length > 0) await redis.unlink(...found)
    cursor = next
  } while (cursor !== '0')
  await redis.set(keys.scheduleVersion, SCHEDULE_VERSION)
}
