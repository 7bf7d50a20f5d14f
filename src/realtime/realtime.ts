// What the API can do with the sockets: dispatch events to rooms and read who is connected,
// across every instance in cluster mode.
import { StoreUnavailableError, ValidationError } from '../errors.js'
import type { Presence } from './cluster.js'
import { RESERVED_EVENTS, type ConnectionInfo, type DispatchedMessage, type ServerToClientEvents } from './events.js'
import { roomForChannel, roomForTarget, type Target } from './rooms.js'
import type { IoServer } from './socket-server.js'

export interface ConnectionFilter extends Target {
  limit?: number
}

export interface ChannelStats {
  channel: string
  userCount: number
  socketCount: number
}

export type Realtime = ReturnType<typeof createRealtime>

export function createRealtime(io: IoServer, presence: Presence) {
  /** fetchSockets asks every instance; one that does not answer makes the answer incomplete. */
  const socketsIn = async (room?: string) => {
    presence.assertReachable()
    try {
      return await (room === undefined ? io.fetchSockets() : io.in(room).fetchSockets())
    } catch (error) {
      throw new StoreUnavailableError(`Not every instance answered: ${(error as Error).message}`)
    }
  }

  return {
    /** Sends `event` to every socket the target matches; returns how many it reached. */
    async dispatch(target: Target, event: string, data: unknown): Promise<number> {
      const room = roomForTarget(target)
      if (room === undefined) throw new ValidationError('channel or userId is required')
      if (RESERVED_EVENTS.has(event)) throw new ValidationError(`event "${event}" is reserved by Socket.IO`)
      presence.assertReachable()
      const count = await presence.roomSize(room)
      const message: DispatchedMessage = { event, data, timestamp: new Date().toISOString() }
      // Dispatched names are chosen by callers, so they are not part of the typed event map.
      io.to(room).emit(event as keyof ServerToClientEvents, message as never)
      return count
    },

    async connections(filter: ConnectionFilter): Promise<{ totalConnections: number; connections: ConnectionInfo[] }> {
      const sockets = await socketsIn(roomForTarget(filter))
      const shown = filter.limit === undefined ? sockets : sockets.slice(0, filter.limit)
      return {
        totalConnections: sockets.length,
        connections: shown.map((socket) => ({ socketId: socket.id, ...socket.data })),
      }
    },

    async channelStats(channel: string): Promise<ChannelStats> {
      const sockets = await socketsIn(roomForChannel(channel))
      return {
        channel,
        userCount: new Set(sockets.map((socket) => socket.data.userId)).size,
        socketCount: sockets.length,
      }
    },
  }
}
