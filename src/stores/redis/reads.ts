// What the Redis store reads without changing anything: postbacks, pages of the list, counts
// and the destinations' fair-delivery state.
import type { ChainableCommander, Redis } from 'ioredis'
import { BUCKETS, BUCKET_MS, activityOf, bucketOf, type Activity, type BucketCounts } from '../../postbacks/activity.js'
import { STATUSES, type PostbackDetail, type PostbackView } from '../../postbacks/types.js'
import { InvalidCursorError, type ListPage, type ListQuery, type QueueCounts } from '../../postbacks/store.js'
import type { RedisKeys } from './keys.js'
import { toDetail, toView, type PostbackRecord } from './record.js'

/** A prefix-filtered page reads at most this many index entries before it returns what it has. */
const SCAN_BUDGET = 5000
/** Destinations whose due sets one round trip reads, dating the oldest due postback. */
const DUE_BATCH = 500

export function createReads(redis: Redis, keys: RedisKeys) {
  async function records(ids: string[]): Promise<[Partial<PostbackRecord>, string[]][]> {
    if (ids.length === 0) return []
    const pipeline = redis.pipeline()
    for (const id of ids) pipeline.hgetall(keys.postback(id)).lrange(keys.attempts(id), 0, -1)
    const results = await replies(pipeline)
    const found: [Partial<PostbackRecord>, string[]][] = []
    for (let i = 0; i < ids.length; i++) {
      const hash = results[2 * i] as Partial<PostbackRecord> | undefined
      if (hash?.id) found.push([hash, (results[2 * i + 1] as string[] | undefined) ?? []])
    }
    return found
  }

  const views = async (ids: string[]): Promise<PostbackView[]> =>
    (await records(ids)).map(([hash, attempts]) => toView(hash, attempts))

  /**
   * The earliest due time up to `now` over every destination's due set, which holds exactly the
   * postbacks waiting for an attempt (not in flight, not behind an earlier one of their ordering key).
   */
  async function oldestDue(now: number): Promise<number | null> {
    const destinations = await redis.zrange(keys.destinations, 0, -1)
    let oldest: number | null = null
    for (let start = 0; start < destinations.length; start += DUE_BATCH) {
      const pipeline = redis.pipeline()
      for (const destination of destinations.slice(start, start + DUE_BATCH)) {
        pipeline.zrange(keys.due(destination), '-inf', now, 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
      }
      for (const [, score] of (await replies(pipeline)) as string[][]) {
        if (score !== undefined && (oldest === null || Number(score) < oldest)) oldest = Number(score)
      }
    }
    return oldest
  }

  return {
    view: async (id: string): Promise<PostbackView | undefined> => (await views([id]))[0],

    async detail(id: string): Promise<PostbackDetail | undefined> {
      const [found] = await records([id])
      return found && toDetail(...found)
    },

    /** Ids newest first from one index, honouring the filter, starting after `cursor`. */
    async page(query: ListQuery & { index: string }): Promise<ListPage> {
      if (query.cursor !== undefined && !/^\d{13}-[0-9a-z]{9}$/.test(query.cursor)) throw new InvalidCursorError()
      const range = idRange(query.createdFrom, query.createdTo)
      if (range === undefined) return { items: [] }
      const { min } = range
      let max = query.cursor !== undefined ? `(${query.cursor}` : range.max
      const items: PostbackView[] = []
      let scanned = 0
      for (;;) {
        const batch = Math.max(query.limit + 1, 100)
        const ids = await redis.zrange(query.index, max, min, 'BYLEX', 'REV', 'LIMIT', 0, batch)
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
    },

    /** The activity buckets of the last 15 minutes, as every instance wrote them. */
    async activity(): Promise<Activity> {
      const now = Date.now()
      const starts = Array.from({ length: BUCKETS }, (_, i) => bucketOf(now) - i * BUCKET_MS)
      const pipeline = redis.pipeline()
      for (const at of starts) pipeline.hgetall(keys.activity(at))
      const hashes = (await replies(pipeline)) as Record<string, string>[]
      const buckets = new Map<number, BucketCounts>()
      starts.forEach((at, i) => {
        const hash = hashes[i]!
        if (Object.keys(hash).length > 0) buckets.set(at, countsOf(hash))
      })
      return activityOf(buckets, now)
    },

    async counts(): Promise<QueueCounts> {
      const pipeline = redis.pipeline()
      for (const status of STATUSES) pipeline.zcard(keys.byStatus(status))
      const results = await replies(pipeline)
      const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, Number(results[i])])) as QueueCounts['byStatus']
      return { byStatus, oldestDueAt: await oldestDue(Date.now()) }
    },
  }
}

function countsOf(hash: Record<string, string>): BucketCounts {
  const byDestination = new Map<string, [number, number]>()
  for (const [field, value] of Object.entries(hash)) {
    if (!field.startsWith('a|')) continue
    const destination = field.slice(2)
    byDestination.set(destination, [Number(value), Number(hash[`f|${destination}`] ?? 0)])
  }
  const count = (field: string) => Number(hash[field] ?? 0)
  return {
    delivered: count('delivered'),
    failed: count('failed'),
    attempts: count('attempts'),
    depth: hash.depth === undefined ? null : Number(hash.depth),
    byDestination,
  }
}

/** The replies of a pipeline. exec() resolves even when commands failed: the first failure throws. */
/** Ids begin with their creation time in 13 digits (epoch ms up to the year 2286). */
const ID_TIME_DIGITS = 13
const ID_TIME_MAX = 10 ** ID_TIME_DIGITS - 1

/**
 * The lexical bounds of the ids created from `from` to `to` (epoch ms, both included), or
 * undefined when no id can be; a time past either end of what ids hold selects all or nothing.
 */
function idRange(from: number | undefined, to: number | undefined): { min: string; max: string } | undefined {
  if ((from !== undefined && from > ID_TIME_MAX) || (to !== undefined && to < 0)) return undefined
  const digits = (ms: number) => String(ms).padStart(ID_TIME_DIGITS, '0')
  return {
    min: from === undefined || from <= 0 ? '-' : `[${digits(from)}`,
    max: to === undefined || to >= ID_TIME_MAX ? '+' : `(${digits(to + 1)}`,
  }
}

export async function replies(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec()
  if (results === null) throw new Error('the pipeline was not run')
  return results.map(([error, reply]) => {
    if (error) throw error
    return reply
  })
}
