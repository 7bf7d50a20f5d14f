// The durable inbox (SPEC §9): a dispatch with `durable: true` stores one copy per user before it
// is answered, then goes live to the users' sockets on every instance; each connect replays what
// the user has not acked. Expired messages are dropped by a timer (and never replayed meanwhile).
import { randomUUID } from 'node:crypto'
import { InboxFullError } from '../../errors.js'
import { localSockets, type Peers } from '../cluster.js'
import { assertDispatchable, selectionOf } from '../realtime.js'
import type { DispatchResult } from '../schemas/dispatch.js'
import type { InboxMessage, InboxStats } from '../schemas/inbox.js'
import type { IoServer, IoSocket } from '../socket-server.js'
import { createInboxDelivery } from './delivery.js'
import type { InboxStore } from './store.js'

const PURGE_EVERY_MS = 5000
const PURGE_BATCH = 500

export interface InboxOptions {
  maxPerUser: number
  log: { warn(details: object, message: string): void }
}

export interface DurableTarget {
  userIds: string[]
  exceptSocketId?: string
}

export type Inbox = ReturnType<typeof createInbox>

export function createInbox(io: IoServer, peers: Peers, store: InboxStore, options: InboxOptions) {
  const delivery = createInboxDelivery(store, options.log)
  io.on('inbox-deliver', ({ selection, message }) => delivery.deliver(localSockets(io, selection), message))

  const purge = setInterval(() => {
    const drain = async () => {
      while ((await store.purgeExpired(Date.now(), PURGE_BATCH)) > 0);
    }
    drain().catch((error: unknown) => options.log.warn({ err: error }, 'expired inbox messages not purged'))
  }, PURGE_EVERY_MS)
  purge.unref()

  return {
    /** Stores the message for every user (or none: 409 INBOX_FULL), then delivers it live. */
    async dispatch(target: DurableTarget, event: string, data: unknown, ttlSeconds: number): Promise<DispatchResult> {
      assertDispatchable(event)
      const selection = selectionOf(target)
      const userIds = [...new Set(target.userIds)]
      const now = Date.now()
      const message: InboxMessage = { event, data, timestamp: new Date(now).toISOString(), messageId: randomUUID() }
      const { full } = await store.add(userIds, message, now + ttlSeconds * 1000, options.maxPerUser, now)
      if (full !== undefined) {
        throw new InboxFullError(`user "${full}" already has ${options.maxPerUser} messages waiting (SOCKET_INBOX_MAX_PER_USER): nothing was stored`)
      }
      // Stored: from here on, a socket that misses the live delivery gets it at its next connect.
      const dispatchedCount = await peers.countSockets(selection)
      delivery.deliver(localSockets(io, selection), message)
      peers.deliverElsewhere({ selection, message })
      return { dispatchedCount, messageId: message.messageId }
    },

    replay: (socket: IoSocket) => delivery.replay(socket),

    async stats(userId: string): Promise<InboxStats> {
      return { userId, ...(await store.stats(userId, Date.now())) }
    },

    /** The users with pending messages, most first. */
    busiest: (limit: number): Promise<InboxStats[]> => store.busiest(limit, Date.now()),

    clear: (userId: string) => store.clear(userId),

    async close(): Promise<void> {
      clearInterval(purge)
      await store.close()
    },
  }
}
