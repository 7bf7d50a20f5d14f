// What the API can do with the sockets: dispatch events to rooms and read who is connected.
import { ValidationError } from '../errors.js'
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

export function createRealtime(io: IoServer) {
  const roomSize = (room: string) => io.of('/').adapter.rooms.get(room)?.size ?? 0

  return {
    /** Sends `event` to every socket the target matches; returns how many it reached. */
    async dispatch(target: Target, event: string, data: unknown): Promise<number> {
      const room = roomForTarget(target)
      if (room === undefined) throw new ValidationError('channel or userId is required')
      if (RESERVED_EVENTS.has(event)) throw new ValidationError(`event "${event}" is reserved by Socket.IO`)
      const count = roomSize(room)
      const message: DispatchedMessage = { event, data, timestamp: new Date().toISOString() }
      // Dispatched names are chosen by callers, so they are not part of the typed event map.
      io.to(room).emit(event as keyof ServerToClientEvents, message as never)
      return count
    },

    async connections(filter: ConnectionFilter): Promise<{ totalConnections: number; connections: ConnectionInfo[] }> {
      const room = roomForTarget(filter)
      const sockets = await (room === undefined ? io.fetchSockets() : io.in(room).fetchSockets())
      const shown = filter.limit === undefined ? sockets : sockets.slice(0, filter.limit)
      return {
        totalConnections: sockets.length,
        connections: shown.map((socket) => ({ socketId: socket.id, ...socket.data })),
      }
    },

    async channelStats(channel: string): Promise<ChannelStats> {
      const sockets = await io.in(roomForChannel(channel)).fetchSockets()
      return {
        channel,
        userCount: new Set(sockets.map((socket) => socket.data.userId)).size,
        socketCount: sockets.length,
      }
    },
  }
}
