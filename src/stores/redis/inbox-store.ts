// STORE=redis's durable inbox: every instance reads and writes the same messages, so a user gets
// theirs whichever instance they connect to. Its own connection, so a long replay never queues
// behind postback work. Calls answer 503 while Redis is unreachable and 507 when it is full.
import type { Redis } from 'ioredis'
import { StoreFullError, StoreUnavailableError } from '../../errors.js'
import { byMostPending, type InboxStore, type StoredMessage, type UserInbox } from '../../realtime/inbox/store.js'
import type { InboxMessage } from '../../realtime/schemas/inbox.js'
import { connectRedis } from './connection.js'
import { ackMessage, addMessage, busiestInboxes, clearInbox, inboxStats, pendingMessages, purgeExpired } from './inbox-scripts.js'

/** The message as stored: timestamp and messageId last, where busiestInboxes reads the timestamp. */
const bodyOf = ({ event, data, timestamp, messageId }: InboxMessage) => JSON.stringify({ event, data, timestamp, messageId })

async function answered<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    const message = (error as Error).message
    if (message.startsWith('OOM')) throw new StoreFullError('Redis is out of memory (maxmemory reached): nothing was stored')
    throw new StoreUnavailableError(`Redis is unreachable: ${message}`)
  }
}

export async function openRedisInboxStore(url: string, prefix: string): Promise<InboxStore> {
  const redis: Redis = await connectRedis(url)
  const base = (now: number) => ({ prefix: `${prefix}:inbox:`, now })

  return {
    async add(userIds, message, expiresAt, max, now) {
      const users = JSON.stringify(userIds)
      const full = await answered(addMessage(redis, { ...base(now), max, messageId: message.messageId, body: bodyOf(message), expiresAt, users }))
      return full === '' ? {} : { full }
    },

    async pending(userId, after, limit, maxBytes, now): Promise<StoredMessage[]> {
      const flat = await answered(pendingMessages(redis, { ...base(now), userId, after, limit, maxBytes }))
      const found: StoredMessage[] = []
      for (let i = 0; i < flat.length; i += 2) found.push({ seq: Number(flat[i]), message: JSON.parse(flat[i + 1]!) as InboxMessage })
      return found
    },

    ack: async (userId, messageId) => (await answered(ackMessage(redis, { ...base(Date.now()), userId, messageId }))) === 1,

    async stats(userId, now) {
      const [pending, oldest] = await answered(inboxStats(redis, { ...base(now), userId }))
      return { pending, oldestAt: oldest === '' ? null : (JSON.parse(oldest) as InboxMessage).timestamp }
    },

    async busiest(limit, now) {
      const flat = await answered(busiestInboxes(redis, { ...base(now), limit }))
      const users: UserInbox[] = []
      for (let i = 0; i < flat.length; i += 3) users.push({ userId: String(flat[i]), pending: Number(flat[i + 1]), oldestAt: String(flat[i + 2]) })
      return byMostPending(users)
    },

    clear: (userId) => answered(clearInbox(redis, { ...base(Date.now()), userId })),

    purgeExpired: (now, limit) => answered(purgeExpired(redis, { ...base(now), limit })),

    async close() {
      redis.disconnect()
    },
  }
}
