// The cluster store: postbacks in Redis hashes with sorted-set indexes (for status, listing and
// counts), delivered through BullMQ jobs, shared by every instance on the same REDIS_URL and
// REDIS_PREFIX.
import { Redis, type ChainableCommander } from 'ioredis'
import { StoreUnavailableError } from '../../../errors.js'
import { STATUSES, type AttemptOutcome, type NewPostback, type PostbackStatus, type PostbackView } from '../../types.js'
import {
  InvalidCursorError,
  type AddResult,
  type ChangeResult,
  type ListFilter,
  type ListPage,
  type ListQuery,
  type PostbackStore,
  type QueueCounts,
  type Worker,
} from '../store.js'
import { startConsumer } from './consumer.js'
import { createJobQueue } from './job-queue.js'
import { redisKeys } from './keys.js'
import { hashFields, toDue, toView } from './records.js'
import { defineScripts } from './scripts.js'

export interface RedisStoreOptions {
  url: string
  prefix: string
  retentionMs: number
  /** how long a silent instance keeps its postbacks before another takes them over */
  lockMs: number
}

/** An add whose BullMQ job was not confirmed this long ago is completed by the sweeper. */
const UNCONFIRMED_GRACE_MS = 5000
const PURGE_CHUNK = 500
/** A prefix-filtered page reads at most this many index entries before it returns what it has. */
const SCAN_BUDGET = 5000

export async function createRedisStore(options: RedisStoreOptions): Promise<PostbackStore> {
  // No offline queue: while Redis is unreachable every call fails at once (503), nothing waits.
  const redis = defineScripts(
    new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
  )
  redis.on('error', () => undefined) // reconnection is automatic; calls report unavailability
  await ready(redis, 5000)
  const keys = redisKeys(options.prefix)
  const jobs = createJobQueue({ connection: redis, prefix: options.prefix, retentionMs: options.retentionMs })
  let consumer: ReturnType<typeof startConsumer> | undefined

  const available = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      if (error instanceof InvalidCursorError) throw error
      throw new StoreUnavailableError(`Redis is unreachable: ${(error as Error).message}`)
    }
  }

  async function views(ids: string[]): Promise<PostbackView[]> {
    if (ids.length === 0) return []
    const pipeline = redis.pipeline()
    for (const id of ids) pipeline.hgetall(keys.postback(id)).lrange(keys.attempts(id), 0, -1)
    const results = await replies(pipeline)
    const found: PostbackView[] = []
    for (let i = 0; i < ids.length; i++) {
      const hash = results[2 * i] as Record<string, string> | undefined
      const attempts = results[2 * i + 1] as string[] | undefined
      if (hash && hash.id) found.push(toView(hash, attempts ?? []))
    }
    return found
  }

  const view = async (id: string) => (await views([id]))[0]


  async function change(id: string, answer: string | null): Promise<ChangeResult> {
    if (answer === null) return { ok: false, reason: 'not_found' }
    if (answer !== 'ok') return { ok: false, reason: 'conflict', status: answer as PostbackStatus }
    const postback = await view(id)
    return postback ? { ok: true, postback } : { ok: false, reason: 'not_found' }
  }

  /** Re-queues one finished postback and gives it a job; true when it was finished. */
  async function requeue(id: string, now: number): Promise<ChangeResult> {
    const answer = await redis.qspRetry(
      keys.postback(id),
      keys.byStatus('completed'),
      keys.byStatus('failed'),
      keys.byStatus('canceled'),
      keys.byStatus('pending'),
      keys.finished,
      keys.unconfirmed,
      id,
      now,
    )
    if (answer === 'ok') await confirm(id, now)
    return change(id, answer)
  }

  /** Gives a pending postback its BullMQ job, then drops it from the unconfirmed set. */
  async function confirm(id: string, runAt: number): Promise<void> {
    const [maxAttempts, destination] = await redis.hmget(keys.postback(id), 'max_attempts', 'dest')
    await jobs.ensure({ id, runAt, maxAttempts: Number(maxAttempts), destination: destination ?? '' })
    await redis.zrem(keys.unconfirmed, id)
  }

  /** Finishes adds and retries cut short between Redis and BullMQ, and applies retention. */
  async function maintain(): Promise<void> {
    const stale = await redis.zrangebyscore(keys.unconfirmed, '-inf', Date.now() - UNCONFIRMED_GRACE_MS, 'LIMIT', 0, 100)
    for (const id of stale) {
      const [status, runAt] = await redis.hmget(keys.postback(id), 'status', 'next_attempt_at')
      if (status === 'pending') await confirm(id, Number(runAt))
      else await redis.zrem(keys.unconfirmed, id)
    }
    const cutoff = Date.now() - options.retentionMs
    const purgeKeys = [keys.finished, keys.all, keys.byStatus('completed'), keys.byStatus('failed'), keys.byStatus('canceled')]
    while (
      (await redis.qspPurge(...purgeKeys, cutoff, PURGE_CHUNK, keys.postbackPrefix, keys.idempotencyPrefix)) === PURGE_CHUNK
    );
  }
  const maintenance = setInterval(() => {
    maintain().catch(() => undefined) // Redis unreachable: the next round tries again
  }, Math.min(Math.max(options.retentionMs, 1000), 5000))
  maintenance.unref()

  /** Ids newest first from one index, honouring the filter, starting after `cursor`. */
  async function page(query: ListQuery & { statusIndex: string }): Promise<ListPage> {
    if (query.cursor !== undefined && !/^\d{13}-[0-9a-z]{9}$/.test(query.cursor)) throw new InvalidCursorError()
    const min = query.createdFrom === undefined ? '-' : `[${String(query.createdFrom).padStart(13, '0')}`
    let max =
      query.cursor !== undefined
        ? `(${query.cursor}`
        : query.createdTo === undefined
          ? '+'
          : `(${String(query.createdTo + 1).padStart(13, '0')}`
    const items: PostbackView[] = []
    let scanned = 0
    for (;;) {
      const batch = Math.max(query.limit + 1, 100)
      const ids = await redis.zrange(query.statusIndex, max, min, 'BYLEX', 'REV', 'LIMIT', 0, batch)
      scanned += ids.length
      for (const postback of await views(ids)) {
        if (query.urlPrefix !== undefined && !postback.postbackUrl.startsWith(query.urlPrefix)) continue
        if (items.length === query.limit) return { items, nextCursor: items.at(-1)!.id }
        items.push(postback)
      }
      const last = ids.at(-1)
      if (ids.length < batch || last === undefined) return { items }
      max = `(${last}`
      if (scanned >= SCAN_BUDGET) return { items, nextCursor: last }
    }
  }

  return {
    kind: 'redis',

    add: (postback: NewPostback): Promise<AddResult> =>
      available(async () => {
        const [id, created] = await redis.qspAdd(
          keys.postback(postback.id),
          keys.all,
          keys.byStatus('pending'),
          keys.unconfirmed,
          keys.idempotency(postback.idempotencyKey ?? ''),
          postback.id,
          postback.createdAt,
          postback.idempotencyKey === undefined ? '0' : '1',
          // One argument instead of 36: each argument costs its own encoding on the way to Redis.
          JSON.stringify(hashFields(postback)),
        )
        if (created !== 1) return { id, created: false }
        await jobs.add({ id, runAt: postback.runAt, maxAttempts: postback.maxAttempts, destination: postback.destination })
        redis.zrem(keys.unconfirmed, id).catch(() => undefined) // the sweeper copes if this is lost
        return { id, created: true }
      }),

    get: (id: string) => available(() => view(id)),

    list: (query: ListQuery) =>
      available(() => page({ ...query, statusIndex: query.status ? keys.byStatus(query.status) : keys.all })),

    retry: (id: string, now: number) => available(() => requeue(id, now)),

    retryMany: (filter: ListFilter, now: number) =>
      available(async () => {
        const statuses: PostbackStatus[] = filter.status ? [filter.status] : ['completed', 'failed']
        let count = 0
        for (const status of statuses) {
          // Re-queued postbacks leave this index; ids below the cursor are untouched by that.
          let cursor: string | undefined
          do {
            const batch: ListPage = await page({ ...filter, limit: 200, statusIndex: keys.byStatus(status), ...(cursor ? { cursor } : {}) })
            for (const postback of batch.items) if ((await requeue(postback.id, now)).ok) count++
            cursor = batch.nextCursor
          } while (cursor !== undefined)
        }
        return count
      }),

    cancel: (id: string, now: number) =>
      available(async () => {
        const answer = await redis.qspCancel(
          keys.postback(id),
          keys.byStatus('pending'),
          keys.byStatus('canceled'),
          keys.finished,
          id,
          now,
        )
        if (answer === 'ok') await jobs.remove(id)
        return change(id, answer)
      }),

    counts: () =>
      available(async (): Promise<QueueCounts> => {
        const pipeline = redis.pipeline()
        for (const status of STATUSES) pipeline.zcard(keys.byStatus(status))
        pipeline.zrange(keys.byStatus('pending'), 0, 0)
        const results = await replies(pipeline)
        const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, Number(results[i])])) as QueueCounts['byStatus']
        const [oldest] = results[STATUSES.length] as string[]
        return { byStatus, oldestPendingAt: oldest ? Number(oldest.slice(0, 13)) : null }
      }),

    consume(worker: Worker): void {
      if (consumer) throw new Error('consume() was already called')
      consumer = startConsumer(
        worker,
        {
          async start(id) {
            const fields = await redis.qspStart(keys.postback(id), keys.byStatus('pending'), keys.byStatus('processing'), id, Date.now())
            return fields ? toDue(id, fields) : undefined
          },
          async settle(id, outcome: AttemptOutcome) {
            const status: PostbackStatus = outcome.kind === 'retry' ? 'pending' : outcome.kind
            const final = outcome.kind !== 'retry'
            const now = Date.now()
            await redis.qspSettle(
              keys.postback(id),
              keys.attempts(id),
              keys.byStatus('processing'),
              keys.byStatus(status),
              keys.finished,
              id,
              now,
              status,
              outcome.kind === 'retry' ? outcome.retryAt : '',
              outcome.attempt.error ?? '',
              outcome.attempt.statusCode ?? '',
              JSON.stringify(outcome.attempt),
              final ? '1' : '0',
            )
          },
          view,
        },
        { redisUrl: options.url, prefix: options.prefix, lockMs: options.lockMs, retentionMs: options.retentionMs },
      )
    },

    async ping(): Promise<boolean> {
      if (redis.status !== 'ready') return false
      return redis.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      )
    },

    async close(drainMs: number): Promise<void> {
      clearInterval(maintenance)
      await consumer?.close(drainMs)
      await jobs.close()
      redis.disconnect()
    },
  }
}

/** Waits for the first connection, so a fresh instance does not answer its first calls with 503. */
function ready(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    redis.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** The replies of a pipeline. exec() resolves even when commands failed: the first failure throws. */
async function replies(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec()
  if (results === null) throw new Error('the pipeline was not run')
  return results.map(([error, reply]) => {
    if (error) throw error
    return reply
  })
}
