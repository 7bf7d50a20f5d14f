// The cluster store: postbacks in Redis hashes with sorted-set indexes, scheduled and claimed by
// Lua scripts (lua/), shared by every instance on the same REDIS_URL and REDIS_PREFIX. Each state
// change of a postback, its indexes, its schedule and its destination's slots is one atomic script.
import type { Redis } from 'ioredis'
import type { NewPostback, PostbackStatus } from '../../postbacks/types.js'
import type {
  AddResult,
  ChangeResult,
  DeliveryHandler,
  ListFilter,
  ListPage,
  ListQuery,
  PostbackStore,
  StoreProblem,
} from '../../postbacks/store.js'
import type { HealthRules } from '../../destinations/health.js'
import type { DestinationStore } from '../../destinations/store.js'
import type { DestinationStats } from '../../postbacks/destination-window.js'
import { Availability } from './availability.js'
import { connectRedis, subscriberFor } from './connection.js'
import { createRedisDestinations } from './destination-store.js'
import { watchForDataLoss } from './data-loss-watch.js'
import { DeliveryLoop } from './delivery-loop.js'
import { redisKeys, type RedisKeys } from './keys.js'
import { addPostback } from './lua/add.js'
import type { CommonArgs } from './lua/library.js'
import { cancelPostback, forgetIdleDestinations, purgeFinished, requeuePostback } from './lua/operations.js'
import { adoptEarlierRecords } from './adopt.js'
import { mergeTrailingDotDestinations } from './merge-destinations.js'
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
  const common = (now = Date.now()): CommonArgs => ({
    prefix: keys.prefix,
    now,
    cap: options.hostConcurrency,
    quarantineAfterMs: options.health.quarantineAfterMs,
    firstProbeMs: options.health.firstProbeMs,
    maxProbeMs: options.health.maxProbeMs,
  })
  const reads = createReads(redis, keys)
  const destinations = createRedisDestinations({ redis, keys, cap: options.hostConcurrency, common })
  const dataLoss = watchForDataLoss(redis, keys, {
    onNoPersistence: (detail) =>
      options.log.warn(`Redis keeps nothing on disk (${detail}): a restart of Redis loses every queued postback`),
    onDataLost: (since) =>
      options.log.error(`Redis lost its data (noticed ${since.toISOString()}): postbacks queued before then are gone`),
  })
  await dataLoss.start()
  await adoptEarlierRecords(redis, keys, common)
  await mergeTrailingDotDestinations(redis, keys, common)
  const availability = new Availability(redis)
  const maintenance = startMaintenance(options.retentionMs, async () => {
    const cutoff = Date.now() - options.retentionMs
    while ((await purgeFinished(redis, { ...common(), cutoff, limit: PURGE_CHUNK })) === PURGE_CHUNK);
    await forgetIdleDestinations(redis, { ...common(), before: cutoff, limit: PURGE_CHUNK })
    await dataLoss.check()
  })
  let loop: DeliveryLoop | undefined

  const postbacks: PostbackStore = {
    kind: 'redis',
    ...availability.guard(postbackData({ redis, keys, reads, common, busy: destinations.busy })),

    consume(handler: DeliveryHandler): void {
      if (loop) throw new Error('consume() was already called')
      const { lockMs, giveUpAfterMs } = options
      loop = new DeliveryLoop({ redis, subscriber: subscriberFor(redis), keys, lockMs, giveUpAfterMs, common, handler, view: reads.view })
      loop.start()
    },

    async ping(): Promise<boolean> {
      if (redis.status !== 'ready') return false
      return redis.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      )
    },

    problems: async (): Promise<StoreProblem[]> => [...dataLoss.problems(), ...availability.problems()],

    async close(drainMs: number): Promise<void> {
      clearInterval(maintenance)
      await loop?.close(drainMs)
      redis.disconnect()
    },
  }
  return { postbacks, destinations: availability.guard(destinations.store) }
}

/** Runs `work` every few seconds; a round that fails (Redis unreachable) is tried again by the next. */
function startMaintenance(retentionMs: number, work: () => Promise<void>): NodeJS.Timeout {
  const timer = setInterval(() => void work().catch(() => undefined), Math.min(Math.max(retentionMs, 1000), MAINTENANCE_MS))
  timer.unref()
  return timer
}

interface DataContext {
  redis: Redis
  keys: RedisKeys
  reads: ReturnType<typeof createReads>
  common: (now?: number) => CommonArgs
  busy: () => Promise<DestinationStats[]>
}

/** What the store reads and changes of postbacks, each one script or pipeline. */
function postbackData({ redis, keys, reads, common, busy }: DataContext) {
  function changed(id: string, answer: string | null): Promise<ChangeResult> | ChangeResult {
    if (answer === null) return { ok: false, reason: 'not_found' }
    if (answer !== 'ok') return { ok: false, reason: 'conflict', status: answer as PostbackStatus }
    return reads.view(id).then((postback) => (postback ? { ok: true, postback } : { ok: false, reason: 'not_found' }))
  }
  const requeue = async (id: string, now: number) => changed(id, await requeuePostback(redis, { ...common(now), id }))

  return {
    async add(postback: NewPostback): Promise<AddResult> {
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
    },

    get: (id: string) => reads.detail(id),

    list: (query: ListQuery) => reads.page({ ...query, index: query.status ? keys.byStatus(query.status) : keys.all }),

    retry: (id: string, now: number) => requeue(id, now),

    async retryMany(filter: ListFilter, now: number): Promise<number> {
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
    },

    cancel: async (id: string, now: number) => changed(id, await cancelPostback(redis, { ...common(now), id })),

    counts: () => reads.counts(),

    destinations: busy,

    activity: () => reads.activity(),
  }
}
