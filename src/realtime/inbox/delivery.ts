// Hands durable messages to this instance's sockets, each with an ack callback that removes the
// user's copy. A connecting socket first gets its user's pending messages in the order stored,
// a page at a time, the next page once the socket has taken the last: a client that stops reading
// holds up one page in the server's memory, not its whole inbox. Messages dispatched meanwhile
// wait until that replay is done, so the order holds and nothing slips between the replay's read
// and the live delivery.
import { drained } from '../back-pressure.js'
import type { InboxMessage } from '../schemas/inbox.js'
import type { IoSocket } from '../socket-server.js'
import type { InboxStore } from './store.js'

/** A replay page: at most this many messages… */
const PAGE = 100
/** …and at most this much stored JSON (or one message, if that alone is larger). */
const PAGE_BYTES = 256 * 1024

/** Dispatched event names are chosen by callers, so they are not part of the typed event map. */
type Untyped = { emit(event: string, ...args: unknown[]): boolean }

export function createInboxDelivery(store: InboxStore, log: { warn(details: object, message: string): void }) {
  /** per socket being replayed to: the live messages held back until the replay ends */
  const holding = new Map<string, InboxMessage[]>()

  /**
   * The callback that acks one user's copy. Made apart from the message: it waits as long as the
   * client does not ack, and must not keep the message's data alive meanwhile.
   */
  const ackOf = (userId: string, messageId: string) => () =>
    void store.ack(userId, messageId).catch((error: unknown) => {
      // Not removed: the message comes again at the next connect, and the client drops it by messageId.
      log.warn({ err: error, messageId }, 'inbox ack not recorded')
    })

  function send(socket: IoSocket, message: InboxMessage): void {
    ;(socket as unknown as Untyped).emit(message.event, message, ackOf(socket.data.userId, message.messageId))
  }

  /**
   * Sends the next page of the socket's replay; answers the seq of its last message, or undefined
   * when there was none. A function of its own so that the page is not kept alive while the
   * replay waits for the socket: to a client that stops reading, that wait can last long.
   */
  async function sendPage(socket: IoSocket, after: number, sent: Set<string>): Promise<number | undefined> {
    const page = await store.pending(socket.data.userId, after, PAGE, PAGE_BYTES, Date.now())
    for (const { message } of page) {
      send(socket, message)
      sent.add(message.messageId)
    }
    return page.at(-1)?.seq
  }

  return {
    /** Live delivery to sockets of this instance. */
    deliver(sockets: IoSocket[], message: InboxMessage): void {
      for (const socket of sockets) {
        const held = holding.get(socket.id)
        if (held) held.push(message)
        else send(socket, message)
      }
    },

    /** Sends the socket's user every pending message, oldest first, then what arrived meanwhile. */
    async replay(socket: IoSocket): Promise<void> {
      const held: InboxMessage[] = []
      const sent = new Set<string>()
      holding.set(socket.id, held)
      try {
        for (let after = await sendPage(socket, 0, sent); after !== undefined; after = await sendPage(socket, after, sent)) {
          await drained(socket)
          if (socket.disconnected) break
        }
      } finally {
        holding.delete(socket.id)
        for (const message of held) if (!sent.has(message.messageId)) send(socket, message)
      }
    },
  }
}

export type InboxDelivery = ReturnType<typeof createInboxDelivery>
