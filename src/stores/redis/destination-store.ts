// The cluster store's destinations: one hash per destination (settings, pause, health, secrets
// and load window) that the claim scripts read, and the `dests` index of every destination known.
import type { Redis } from 'ioredis'
import type { DestinationRecord, DestinationStore, Secrets } from '../../destinations/store.js'
import type { SettingsPatch } from '../../destinations/types.js'
import {
  IDLE_MS,
  RECENT_ATTEMPTS,
  byBusiest,
  isNoteworthy,
  limitOf,
  type DestinationStats,
} from '../../postbacks/destination-window.js'
import type { RedisKeys } from './keys.js'
import type { CommonArgs } from './lua/library.js'
import { refreshDestination } from './lua/operations.js'
import { replies } from './reads.js'

/** Most destinations GET /api/destinations and the stats read. */
const LISTED = 1000
/** The destination hash's fields the API shows. */
const FIELDS = [
  'max_concurrency', 'rate_per_second', 'timeout_ms', 'paused_at', 'quarantined_at', 'active_since', 'window',
  'recent', 'active_at', 'last_attempt_at', 'last_error', 'secret', 'rotated_at', 'waiting',
] as const
const SETTINGS: Record<keyof SettingsPatch, string> = {
  maxConcurrency: 'max_concurrency',
  ratePerSecond: 'rate_per_second',
  timeoutMs: 'timeout_ms',
}

const num = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? null : Number(value))

export interface RedisDestinationContext {
  redis: Redis
  keys: RedisKeys
  /** POSTBACK_HOST_CONCURRENCY */
  cap: number
  common: () => CommonArgs
}

export function createRedisDestinations({ redis, keys, cap, common }: RedisDestinationContext) {
  async function records(names: string[]): Promise<DestinationRecord[]> {
    if (names.length === 0) return []
    const pipeline = redis.pipeline()
    for (const name of names) {
      pipeline.hmget(keys.destination(name), ...FIELDS).zcard(keys.inFlight(name)).zcard(keys.due(name))
    }
    const results = await replies(pipeline)
    return names.map((name, i) => {
      const values = results[3 * i] as (string | null)[]
      const d = Object.fromEntries(FIELDS.map((field, f) => [field, values[f]])) as Record<(typeof FIELDS)[number], string | null>
      return toRecord(name, d, Number(results[3 * i + 1]), Number(results[3 * i + 2]) + (num(d.waiting) ?? 0))
    })
  }

  function toRecord(destination: string, d: Record<(typeof FIELDS)[number], string | null>, inFlight: number, pending: number): DestinationRecord {
    const maxConcurrency = num(d.max_concurrency)
    const ownCap = maxConcurrency ?? cap
    const idle = Date.now() - (num(d.active_at) ?? 0) > IDLE_MS && inFlight === 0
    const window = idle ? ownCap : (num(d.window) ?? ownCap)
    const outcomes = idle ? '' : (d.recent ?? '').slice(-RECENT_ATTEMPTS)
    const quarantined = num(d.quarantined_at)
    return {
      destination,
      settings: { maxConcurrency, ratePerSecond: num(d.rate_per_second), timeoutMs: num(d.timeout_ms) },
      pausedAt: num(d.paused_at),
      quarantinedAt: quarantined,
      activeSince: num(d.active_since),
      inFlight,
      limit: num(d.paused_at) !== null ? 0 : quarantined !== null ? 1 : limitOf(window, ownCap),
      failureRate: outcomes.length ? [...outcomes].filter((c) => c === '1').length / outcomes.length : 0,
      pending,
      lastAttemptAt: num(d.last_attempt_at),
      lastError: d.last_error || null,
      hasSecret: Boolean(d.secret),
      rotatedAt: num(d.rotated_at),
    }
  }

  const known = async (destination: string) => (await redis.zscore(keys.destinations, destination)) !== null

  /** Registers the destination, changes its hash, and lets the claims look at it again. */
  async function change(destination: string, set: Record<string, string | number>, remove: string[] = []): Promise<void> {
    const pipeline = redis
      .pipeline()
      .zadd(keys.destinations, 'NX', Date.now(), destination)
      .hsetnx(keys.destination(destination), 'active_since', Date.now())
    if (Object.keys(set).length) pipeline.hset(keys.destination(destination), set)
    if (remove.length) pipeline.hdel(keys.destination(destination), ...remove)
    await replies(pipeline)
    await refreshDestination(redis, { ...common(), dest: destination })
  }

  const store: DestinationStore = {
    list: async () => records(await redis.zrange(keys.destinations, 0, LISTED - 1, 'REV')),

    async get(destination) {
      if (!(await known(destination))) return undefined
      return (await records([destination]))[0]
    },

    async configure(destination, patch) {
      const set: Record<string, string | number> = {}
      const remove: string[] = []
      for (const [setting, field] of Object.entries(SETTINGS) as [keyof SettingsPatch, string][]) {
        const value = patch[setting]
        if (value === null) remove.push(field)
        else if (value !== undefined) set[field] = value
      }
      // A new rate starts with a full bucket.
      if (patch.ratePerSecond !== undefined) remove.push('tokens', 'tokens_at')
      await change(destination, set, remove)
      return (await records([destination]))[0]!
    },

    async pause(destination, now) {
      const written = await redis.hsetnx(keys.destination(destination), 'paused_at', now)
      await change(destination, {})
      return written === 1
    },

    async resume(destination, now) {
      const removed = await redis.hdel(keys.destination(destination), 'paused_at')
      if (removed === 1) await redis.hset(keys.destination(destination), 'active_since', now)
      await change(destination, {})
      return removed === 1
    },

    async secrets(destination): Promise<Secrets> {
      const [secret, previous, rotatedAt] = await redis.hmget(keys.destination(destination), 'secret', 'previous_secret', 'rotated_at')
      return { secret: secret || null, previousSecret: previous || null, rotatedAt: num(rotatedAt) }
    },

    async rotateSecret(destination, secret, previous, now) {
      const set: Record<string, string | number> = { rotated_at: now }
      const remove: string[] = []
      if (secret === null) remove.push('secret')
      else set.secret = secret
      if (previous === null) remove.push('previous_secret')
      else set.previous_secret = previous
      await change(destination, set, remove)
    },
  }

  return {
    store,
    /** The most recently active destinations that are busy, held back or failing (for stats). */
    busy: async (): Promise<DestinationStats[]> => {
      const names = await redis.zrange(keys.destinations, '+inf', Date.now() - IDLE_MS, 'BYSCORE', 'REV', 'LIMIT', 0, LISTED)
      return (await records(names))
        .map(({ destination, inFlight, limit, failureRate }) => ({ destination, inFlight, limit, failureRate }))
        .filter((stats) => isNoteworthy(stats, cap))
        .sort(byBusiest)
    },
  }
}
