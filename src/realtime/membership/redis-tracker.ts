// Presence and occupancy for a cluster (SOCKET_ADAPTER=redis): the counts live in Redis and change
// only in Lua (redis-scripts.ts). Each instance beats every HEARTBEAT_MS; one silent for
// INSTANCE_TTL_MS is declared dead by any other, and its sockets are taken out as if they had left
// (then the usual debounce runs). An instance that finds it was declared dead (a long pause, a
// Redis outage) registers its memberships again.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { StoreUnavailableError } from '../../errors.js'
import { connectRedis } from '../../stores/redis/connection.js'
import { isPresenceChannel } from '../schemas/presence.js'
import { LEASE_MS, createDueEvents } from './redis-due-events.js'
import { heartbeat, joinChannel, leaveChannel, reapDead, retire } from './redis-scripts.js'
import { byArrival, type Membership, type MembershipTracker, type TrackerOptions } from './tracker.js'

export const HEARTBEAT_MS = 2000
/** An instance silent this long is dead: five beats missed, so a busy event loop is not mistaken for death. */
export const INSTANCE_TTL_MS = 10_000
/** How often each instance looks for dead instances and due events. */
const TICK_MS = 1000

const memberKey = (m: Membership) => JSON.stringify([m.channel, m.userId, m.socketId])

export async function createRedisTracker(redis: Redis, prefix: string, options: TrackerOptions): Promise<MembershipTracker> {
  const base = { prefix: `${prefix}:rt:` }
  const instance = randomUUID()
  const occupancy = options.occupancy ? 1 : 0
  /** this instance's memberships, to register again when it was declared dead */
  const mine = new Map<string, Membership>()
  let dirty = false
  let beats = 0
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  const counted = (channel: string) => options.occupancy || isPresenceChannel(channel)
  const warn = (error: unknown, message: string) => options.log.warn({ err: error }, message)
  const due = createDueEvents(redis, base.prefix, options)

  async function register(m: Membership): Promise<void> {
    const [alive, ...events] = await joinChannel(redis, {
      ...base, instance, member: memberKey(m), channel: m.channel, userId: m.userId, info: JSON.stringify(m.info), occupancy, lease: LEASE_MS,
    })
    if (alive === 0) dirty = true
    await due.handOut(events)
  }

  /** Makes Redis hold exactly this instance's memberships: after an outage or being declared dead. */
  async function resync(): Promise<void> {
    dirty = false
    const held = new Set(await redis.smembers(`${base.prefix}instance:${instance}`))
    for (const key of held) {
      const [channel, userId, socketId] = JSON.parse(key) as [string, string, string]
      if (!mine.has(key)) await unregister({ channel, userId, socketId, info: null })
    }
    for (const [key, m] of mine) if (!held.has(key)) await register(m)
  }

  async function unregister(m: Membership): Promise<void> {
    const [now, dueAt] = await leaveChannel(redis, {
      ...base, instance, member: memberKey(m), channel: m.channel, userId: m.userId, occupancy, debounce: options.debounceMs,
    })
    if (dueAt > 0) due.claimIn(dueAt - now)
  }

  async function tick(): Promise<void> {
    // A resync beats first: joins are refused while the cluster counts this instance dead.
    if (dirty || beats++ % (HEARTBEAT_MS / TICK_MS) === 0) {
      if ((await heartbeat(redis, { ...base, instance, ttl: INSTANCE_TTL_MS })) === 0) dirty = true
    }
    if (dirty) await resync()
    let more = 1
    while (more === 1) {
      const [, taken, remaining] = await reapDead(redis, { ...base, occupancy, debounce: options.debounceMs, limit: 500 })
      if (taken > 0) due.claimIn(options.debounceMs)
      more = remaining
    }
    await due.claim()
  }

  /** Runs a change; one Redis missed is made good by the next resync. */
  const guarded = (work: () => Promise<void>) =>
    work().catch((error: unknown) => {
      dirty = true
      warn(error, 'membership not recorded in Redis: it is recorded again when Redis answers')
    })

  const loop = () => {
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => warn(error, 'presence upkeep failed'))
        .finally(() => timer && loop())
    }, TICK_MS)
  }
  // Alive before the first socket arrives; then beating, reaping and handing out on every instance.
  await heartbeat(redis, { ...base, instance, ttl: INSTANCE_TTL_MS })
  beats = 1
  loop()

  return {
    async join(m) {
      if (!counted(m.channel)) return
      mine.set(memberKey(m), m)
      await guarded(() => register(m))
    },

    async leave(m) {
      if (!counted(m.channel) || !mine.delete(memberKey(m))) return
      await guarded(() => unregister(m))
    },

    async members(channel, limit) {
      let raw: Record<string, string>
      try {
        raw = await redis.hgetall(`${base.prefix}members:${channel}`)
      } catch (error) {
        throw new StoreUnavailableError(`Redis is unreachable: ${(error as Error).message}`)
      }
      const members = Object.entries(raw).map(([userId, json]) => {
        const { since, info } = JSON.parse(json) as { since: number; info: Record<string, unknown> | null }
        return { userId, info, since: new Date(since).toISOString() }
      })
      return { count: members.length, members: members.sort(byArrival).slice(0, limit) }
    },

    async close() {
      clearTimeout(timer)
      due.stop()
      timer = undefined
      await running
      // Whatever this instance still holds is taken out by the next reap, here or on another instance.
      await retire(redis, { ...base, instance }).catch(() => undefined)
    },
  }
}

/** A tracker on a connection of its own, closed with it. */
export async function openRedisTracker(url: string, prefix: string, options: TrackerOptions): Promise<MembershipTracker> {
  const redis = await connectRedis(url)
  const tracker = await createRedisTracker(redis, prefix, options)
  return {
    ...tracker,
    async close() {
      await tracker.close()
      redis.disconnect()
    },
  }
}
