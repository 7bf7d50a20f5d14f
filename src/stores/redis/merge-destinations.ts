// At start: destinations an earlier version kept under a host with a trailing dot
// (`https://a.com.:443`) become the dotless one they name, with their postbacks, ordering keys,
// settings, secrets, pause and quarantine (src/destinations/merge.ts says which win). Every
// destination with postbacks or settings is in the `dests` index, so finding them is cheap, and
// each start also takes in what an instance of the earlier version still running wrote.
import type { Redis } from 'ioredis'
import { canonicalStored } from '../../destinations/canonical.js'
import { mergeStoredDestinations } from '../../destinations/merge.js'
import type { RedisKeys } from './keys.js'
import type { CommonArgs } from './lua/library.js'
import { mergeDestination, renamePostbackDestinations } from './lua/merge-destination.js'

const CHUNK = 500

export async function mergeTrailingDotDestinations(redis: Redis, keys: RedisKeys, common: () => CommonArgs): Promise<void> {
  const renames = new Map<string, string>()
  let cursor = '0'
  do {
    const [next, entries] = await redis.zscan(keys.destinations, cursor, 'COUNT', 1000)
    for (let i = 0; i < entries.length; i += 2) {
      const name = entries[i]!
      const canonical = canonicalStored(name)
      if (canonical !== name) renames.set(name, canonical)
    }
    cursor = next
  } while (cursor !== '0')
  if (renames.size === 0) return

  for (const [from, to] of renames) {
    const [old, kept] = await Promise.all([redis.hgetall(keys.destination(from)), redis.hgetall(keys.destination(to))])
    const { waiting: _waiting, ...merged } = Object.keys(kept).length > 0 ? mergeStoredDestinations(kept, old) : old
    const fields = Object.entries(merged).flatMap(([field, value]) => (value === null || value === '' ? [] : [field, String(value)]))
    await mergeDestination(redis, { ...common(), from, to, fields: JSON.stringify(fields) })
  }
  // Finished postbacks keep their destination for a retry.
  const names = JSON.stringify(Object.fromEntries(renames))
  cursor = '0'
  do {
    const [next, entries] = await redis.zscan(keys.finished, cursor, 'COUNT', CHUNK)
    const ids = entries.filter((_, i) => i % 2 === 0)
    if (ids.length > 0) await renamePostbackDestinations(redis, { ...common(), ids: JSON.stringify(ids), renames: names })
    cursor = next
  } while (cursor !== '0')
}
