// Every Redis key the postback store uses, under `<REDIS_PREFIX>:`. The Lua scripts build the
// same names from KEY_PARTS (lua/library.ts), so the layout is written down only here.
import type { PostbackStatus } from '../../postbacks/types.js'

/** What follows the prefix in each key name. */
export const KEY_PARTS = {
  /** hash: a postback and its delivery state (record.ts) */
  postback: 'pb:',
  /** list, after the postback key: one JSON attempt per entry */
  attempts: ':attempts',
  /** string: idempotency key → postback id */
  idempotency: 'idem:',
  /** sorted sets of ids, all scores 0: the lexical order of `<epoch ms>-<random>` ids is creation order */
  all: 'idx:all',
  status: 'idx:',
  /** sorted set: finished ids by when they finished, for retention */
  finished: 'idx:finished',
  /** sorted set per destination: pending ids waiting for an attempt, by when it is due */
  due: 'due:',
  /** sorted set: destinations with due postbacks and a free slot, by their earliest due time */
  ready: 'ready',
  /** sorted set per destination: ids being delivered, by when their lease ends */
  inFlight: 'inflight:',
  /** sorted set: every id being delivered, by when its lease ends (a dead instance's run out) */
  leases: 'leases',
  /** hash per destination: its settings, pause, health, hold, rate bucket, secrets and load window */
  destination: 'dest:',
  /** sorted set: every destination known, by when it was last active (stats, GET /api/destinations) */
  destinations: 'dests',
  /** hash per destination: ordering key → the postback at the head of its line */
  orderingHeads: 'heads:',
  /** list per destination and ordering key: the postbacks waiting behind the head, in order */
  orderingLine: 'line:',
  /** sorted set: destinations with a failure streak long enough to be quarantined, by its start */
  streaking: 'streaking',
  /** sorted set: quarantined destinations, by when giving up on their pending postbacks is next due */
  quarantined: 'quarantined',
  /** sorted set: ended postbacks whose callbacks are not queued yet, by when an instance took them */
  unhandledEnds: 'ends',
  /** hash per 10-second bucket, kept 15 minutes: delivered, failed, attempts, depth, a|<dest>, f|<dest> */
  activity: 'activity:',
  /** pub/sub channel: "work is due at <epoch ms>", so idle instances claim it */
  wake: 'wake',
  /** string: written at start; its absence after a reconnect means Redis lost its data */
  marker: 'marker',
  /** string: when a data loss was noticed (kept for a day, so every instance reports it) */
  dataLost: 'data-lost',
  /** string: the version of the schedule's layout the records follow (adopt.ts) */
  scheduleVersion: 'schedule-version',
} as const

export function redisKeys(prefix: string) {
  const p = `${prefix}:`
  return {
    prefix: p,
    postback: (id: string) => `${p}${KEY_PARTS.postback}${id}`,
    attempts: (id: string) => `${p}${KEY_PARTS.postback}${id}${KEY_PARTS.attempts}`,
    all: `${p}${KEY_PARTS.all}`,
    byStatus: (status: PostbackStatus) => `${p}${KEY_PARTS.status}${status}`,
    finished: `${p}${KEY_PARTS.finished}`,
    ready: `${p}${KEY_PARTS.ready}`,
    inFlight: (destination: string) => `${p}${KEY_PARTS.inFlight}${destination}`,
    due: (destination: string) => `${p}${KEY_PARTS.due}${destination}`,
    activity: (bucket: number) => `${p}${KEY_PARTS.activity}${bucket}`,
    destination: (destination: string) => `${p}${KEY_PARTS.destination}${destination}`,
    destinations: `${p}${KEY_PARTS.destinations}`,
    orderingHeads: (destination: string) => `${p}${KEY_PARTS.orderingHeads}${destination}`,
    wake: `${p}${KEY_PARTS.wake}`,
    marker: `${p}${KEY_PARTS.marker}`,
    dataLost: `${p}${KEY_PARTS.dataLost}`,
    scheduleVersion: `${p}${KEY_PARTS.scheduleVersion}`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>
