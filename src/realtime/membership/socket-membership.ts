// Between the sockets and the tracker: each socket's joins and leaves run one after another (a
// socket that subscribes and disconnects at once must not leave before it has joined), a failure
// is logged rather than thrown at a socket handler, and closing waits for all of them.
import type { IoSocket } from '../socket-server.js'
import type { MembershipTracker } from './tracker.js'

export type SocketMembership = ReturnType<typeof createSocketMembership>

export function createSocketMembership(tracker: MembershipTracker, log: { warn(details: object, message: string): void }) {
  const queues = new Map<string, Promise<void>>()

  function inTurn(socket: IoSocket, work: () => Promise<void>): Promise<void> {
    const next = (queues.get(socket.id) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => log.warn({ err: error, socketId: socket.id }, 'channel membership not recorded'))
    queues.set(socket.id, next)
    void next.finally(() => {
      if (queues.get(socket.id) === next) queues.delete(socket.id)
    })
    return next
  }

  const membership = (socket: IoSocket, channel: string) => ({
    channel,
    userId: socket.data.userId,
    socketId: socket.id,
    info: socket.data.info,
  })

  return {
    /** The socket entered `channel` (on connect or subscribe). */
    entered: (socket: IoSocket, channel: string) => inTurn(socket, () => tracker.join(membership(socket, channel))),
    /** The socket left `channel` (on unsubscribe). */
    left: (socket: IoSocket, channel: string) => inTurn(socket, () => tracker.leave(membership(socket, channel))),
    /** The socket is gone: it leaves every channel it was in. */
    gone: (socket: IoSocket) =>
      inTurn(socket, async () => {
        await Promise.all(socket.data.channels.map((channel) => tracker.leave(membership(socket, channel))))
      }),
    members: (channel: string, limit: number) => tracker.members(channel, limit),
    /** Waits for every join and leave under way. */
    async settled(): Promise<void> {
      await Promise.all(queues.values())
    },
  }
}
