// The last 15 minutes of delivery, in 10-second buckets, for the dashboard's live chart:
// postbacks delivered and failed, attempts, queue depth, and each busy destination's failure rate.
// The embedded store keeps it in memory (ActivityRecorder); the Redis store keeps the same buckets
// in Redis, so every instance shows the whole cluster.
import Type, { type Static } from 'typebox'

export const BUCKET_MS = 10_000
export const WINDOW_MS = 15 * 60_000
export const BUCKETS = WINDOW_MS / BUCKET_MS
/** Destinations with a sparkline: the busiest over the window. */
export const DESTINATIONS_CHARTED = 20

export const ActivitySchema = Type.Object(
  {
    bucketMs: Type.Integer({ description: 'the width of each bucket' }),
    buckets: Type.Array(
      Type.Object({
        at: Type.String({ format: 'date-time', description: 'when the bucket starts' }),
        delivered: Type.Integer({ minimum: 0, description: 'postbacks that completed' }),
        failed: Type.Integer({ minimum: 0, description: 'postbacks that failed for good' }),
        attempts: Type.Integer({ minimum: 0 }),
        depth: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'postbacks pending or in flight, when sampled' }),
      }),
      { description: 'oldest first, the last one still filling' },
    ),
    destinations: Type.Array(
      Type.Object({
        destination: Type.String(),
        failureRates: Type.Array(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]), {
          description: 'share of its attempts that failed, per bucket (null: no attempt)',
        }),
      }),
      { description: `the ${DESTINATIONS_CHARTED} busiest destinations of the window` },
    ),
  },
  { title: 'Activity' },
)
export type Activity = Static<typeof ActivitySchema>

export interface BucketCounts {
  delivered: number
  failed: number
  attempts: number
  depth: number | null
  /** per destination: [attempts, failed attempts] */
  byDestination: Map<string, [number, number]>
}

export const bucketOf = (at: number) => Math.floor(at / BUCKET_MS) * BUCKET_MS

/** The chart from buckets keyed by their start, for the window ending now. */
export function activityOf(buckets: Map<number, BucketCounts>, now: number): Activity {
  const last = bucketOf(now)
  const starts = Array.from({ length: BUCKETS }, (_, i) => last - (BUCKETS - 1 - i) * BUCKET_MS)
  const totals = new Map<string, number>()
  for (const counts of buckets.values()) {
    for (const [destination, [attempts]] of counts.byDestination) totals.set(destination, (totals.get(destination) ?? 0) + attempts)
  }
  const charted = [...totals].sort((a, b) => b[1] - a[1]).slice(0, DESTINATIONS_CHARTED).map(([d]) => d)
  return {
    bucketMs: BUCKET_MS,
    buckets: starts.map((at) => {
      const counts = buckets.get(at)
      return {
        at: new Date(at).toISOString(),
        delivered: counts?.delivered ?? 0,
        failed: counts?.failed ?? 0,
        attempts: counts?.attempts ?? 0,
        depth: counts?.depth ?? null,
      }
    }),
    destinations: charted.map((destination) => ({
      destination,
      failureRates: starts.map((at) => {
        const [attempts, failed] = buckets.get(at)?.byDestination.get(destination) ?? [0, 0]
        return attempts === 0 ? null : failed / attempts
      }),
    })),
  }
}

const empty = (): BucketCounts => ({ delivered: 0, failed: 0, attempts: 0, depth: null, byDestination: new Map() })

/** The embedded store's buckets, in memory. */
export class ActivityRecorder {
  readonly #buckets = new Map<number, BucketCounts>()

  /** An attempt to `destination` ended; `ended` when it ended its postback. */
  attempt(destination: string, failed: boolean, ended: 'completed' | 'failed' | undefined, now = Date.now()): void {
    const counts = this.#bucket(now)
    counts.attempts++
    if (ended === 'completed') counts.delivered++
    if (ended === 'failed') counts.failed++
    const [attempts, failures] = counts.byDestination.get(destination) ?? [0, 0]
    counts.byDestination.set(destination, [attempts + 1, failures + (failed ? 1 : 0)])
  }

  /** A postback ended without an attempt (given up on). */
  ended(status: 'failed', now = Date.now()): void {
    this.#bucket(now)[status]++
  }

  depth(depth: number, now = Date.now()): void {
    this.#bucket(now).depth = depth
  }

  activity(now = Date.now()): Activity {
    return activityOf(this.#buckets, now)
  }

  #bucket(now: number): BucketCounts {
    const at = bucketOf(now)
    let counts = this.#buckets.get(at)
    if (!counts) {
      counts = empty()
      this.#buckets.set(at, counts)
      for (const old of this.#buckets.keys()) if (old <= at - WINDOW_MS) this.#buckets.delete(old)
    }
    return counts
  }
}
