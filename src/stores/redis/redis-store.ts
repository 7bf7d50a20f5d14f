// The cluster store: postbacks in Redis hashes with sorted-set indexes, scheduled and claimed by
// Lua scripts (lua/), shared by every instance on the same REDIS_URL and REDIS_PREFIX. Each state
// change of a postback, its indexes, its schedule and its destination's slots is one atomic script.
import { StoreFullError, StoreUnavailableError } from '../../errors.js'
import type { NewPostback, PostbackStatus } from '../../postbacks/types.js'
import {
  InvalidCursorError,
  type AddResult,
  type ChangeResult,
  type DeliveryHandler,
  type ListFilter,
  type ListPage,
  type PostbackStore,
  type StoreProblem,
} from '../../postbacks/store.js'
import type { HealthRules } from '../../destinations/health.js'
import type { DestinationStore } from '../../destinations/store.js'
import { connectRedis, subscriberFor } from './connection.js'
import { createRedisDestinations } from './destination-store.js'
import { watchForDataLoss } from './data-loss-watch.js'
import { DeliveryLoop } from './delivery-loop.js'
import { redisKeys } from './keys.js'
import { addPostback } from './lua/add.js'
import type { CommonArgs } from './lua/library.js'
import { cancelPostback, forgetIdleDestinations, purgeFinished, requeuePostback } from './lua/operations.js'
import { adoptEarlierRecords } from './adopt.js'
import { createReads } from './reads.js'
import { newRecord, recordPairs } from './record.js'

export interface RedisStoreOptions {
  url: string
  prefix: string
  retentionMs: number
  /** how long a silent instance keeps its postbacks before another takes them over */
  lockMs: number
  /** deliveries in flight at once to one destination, cluster-wide */
  hostConcurrency: number
  health: HealthRules
  /** DESTINATION_GIVE_UP_AFTER_MS */
  giveUpAfterMs: number
  log: { warn(message: string): void; error(message: string): void }
}

const PURGE_CHUNK = 500
/** Purge, forget idle destinations and look for lost data this often. */
const MAINTENANCE_MS = 5000

export async function createRedisStores(options: RedisStoreOptions): Promise<{ postbacks: PostbackStore; destinations: DestinationStore }> {
  const redis = await connectRedis(options.url)
  const keys = redisKeys(options.prefix)
  const cap = options.hostConcurrency
  const common = (now = Date.now()): CommonArgs => ({
    prefix: keys.prefix,
    now,
    cap,
    quarantineAfterMs: options.health.quarantineAfterMs,
    firstProbeMs: options.health.firstProbeMs,
    maxProbeMs: options.health.maxProbeMs,
  })
  const reads = createReads(redis, keys)
  const destinations = createRedisDestinations({ redis, keys, cap, common })
  const dataLoss = watchForDataLoss(redis, keys, {
    onNoPersistence: (detail) =>
      options.log.warn(`Redis keeps nothing on disk (${detail}): a restart of Redis loses every queued postback`),
    onDataLost: (since) =>
      options.log.error(`Redis lost its data (noticed ${since.toISOString()}): postbacks queued before then are gone`),
  })
  await dataLoss.start()
  await adoptEarlierRecords(redis, keys, common)
  let outOfMemorySince: number | undefined
  let unreachableSince: number | undefined
  redis.on('close', () => (unreachableSince ??= Date.now()))
  redis.on('ready', () => (unreachableSince = undefined))
  let loop: DeliveryLoop | undefined

  /** Runs a call to Redis: an unreachable Redis answers 503, a full one 507. */
  const available = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work()
      outOfMemorySince = undefined
      return result
    } catch (error) {
      if (error instanceof InvalidCursorError) throw error
      const message = (error as Error).message
      if (message.startsWith('OOM')) {
        outOfMemorySince ??= Date.now()
        throw new StoreFullError('Redis is out of memory (maxmemory reached): nothing was stored')
      }
      throw new StoreUnavailableError(`Redis is unreachable: ${message}`)
    }
  }

  function changed(id: string, answer: string | null): Promise<ChangeResult> | ChangeResult {
    if (answer === null) return { ok: false, reason: 'not_found' }
    if (answer !== 'ok') return { ok: false, reason: 'conflict', status: answer as PostbackStatus }
    return reads.view(id).then((postback) => (postback ? { ok: true, postback } : { ok: false, reason: 'not_found' }))
  }

  const requeue = async (id: string, now: number) => changed(id, await requeuePostback(redis, { ...common(now), id }))

  const maintenance = setInterval(() => {
    const cutoff = Date.now() - options.retentionMs
    const purge = async () => {
      while ((await purgeFinished(redis, { ...common(), cutoff, limit: PURGE_CHUNK })) === PURGE_CHUNK);
      await forgetIdleDestinations(redis, { ...common(), before: cutoff, limit: PURGE_CHUNK })
      await dataLoss.check()
    }
    purge().catch(() => undefined) // Redis unreachable: the next round tries again
  }, Math.min(Math.max(options.retentionMs, 1000), MAINTENANCE_MS))
  maintenance.unref()

  const postbacks: PostbackStore = {
    kind: 'redis',

    add: (postback: NewPostback): Promise<AddResult> =>
      available(async () => {
        const [id, created, same] = await addPostback(redis, {
          ...common(),
          id: postback.id,
          idem: postback.idempotencyKey ?? '',
          fingerprint: postback.fingerprint ?? '',
          fields: JSON.stringify(recordPairs(newRecord(postback))),
          dest: postback.destination,
          runAt: postback.runAt,
          orderingKey: postback.orderingKey ?? '',
        })
        return created === 1 ? { id, created: true } : { id, created: false, sameRequest: same === 1 }
      }),

    get: (id: string) => available(() => reads.detail(id)),

    list: (query) => available(() => reads.page({ ...query, index: query.status ? keys.byStatus(query.status) : keys.all })),

    retry: (id: string, now: number) => available(() => requeue(id, now)),

    retryMany: (filter: ListFilter, now: number) =>
      available(async () => {
        const statuses: PostbackStatus[] = filter.status ? [filter.status] : ['completed', 'failed']
        let count = 0
        for (const status of statuses) {
          // Re-queued postbacks leave this index; ids below the cursor are untouched by that.
          let cursor: string | undefined
          do {
            const batch: ListPage = await reads.page({ ...filter, limit: 200, index: keys.byStatus(status), ...(cursor ? { cursor } : {}) })
            for (const postback of batch.items) if ((await requeue(postback.id, now)).ok) count++
            cursor = batch.nextCursor
          } while (cursor !== undefined)
        }
        return count
      }),

    cancel: (id: string, now: number) => available(async () => changed(id, await cancelPostback(redis, { ...common(now), id }))),

    counts: () => available(() => reads.counts()),

    destinations: () => available(() => destinations.busy()),

    activity: () => available(() => reads.activity()),

    consume(handler: DeliveryHandler): void {
      if (loop) throw new Error('consume() was already called')
      loop = new DeliveryLoop({
        redis,
        subscriber: subscriberFor(redis),
        keys,
        lockMs: options.lockMs,
        giveUpAfterMs: options.giveUpAfterMs,
        common,
        handler,
        view: reads.view,
      })
      loop.start()
    },

    async ping(): Promise<boolean> {
      if (redis.status !== 'ready') return false
      return redis.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      )
    },

    async problems(): Promise<StoreProblem[]> {
      const problems = dataLoss.problems()
      if (unreachableSince !== undefined && redis.status !== 'ready') {
        problems.push({ code: 'STORE_UNAVAILABLE', message: 'Redis is unreachable', since: new Date(unreachableSince).toISOString() })
      }
      if (outOfMemorySince !== undefined) {
        problems.push({ code: 'STORE_FULL', message: 'Redis is out of memory (maxmemory reached)', since: new Date(outOfMemorySince).toISOString() })
      }
      return problems
    },

    async close(drainMs: number): Promise<void> {
      clearInterval(maintenance)
      await loop?.close(drainMs)
      redis.disconnect()
    },
  }
  return { postbacks, destinations: unavailableAs503(destinations.store, available) }
}

/** The destination store's calls answer 503 too while Redis is unreachable. */
function unavailableAs503(store: DestinationStore, available: <T>(work: () => Promise<T>) => Promise<T>): DestinationStore {
  return Object.fromEntries(
    Object.entries(store).map(([name, method]) => [name, (...args: unknown[]) => available(() => (method as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as DestinationStore
}
