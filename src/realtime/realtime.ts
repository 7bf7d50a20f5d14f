// What the API can do with the sockets: dispatch events, read who is connected and force
// sockets off, across every instance in cluster mode.
import { StoreUnavailableError, ValidationError } from '../errors.js'
import { connectionInfo } from './client-events.js'
import type { Presence } from './cluster.js'
import { RESERVED_EVENTS, type ConnectionInfo, type DispatchedMessage } from './events.js'
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

export interface DispatchResult {
  /** sockets the event was sent to */
  dispatchedCount: number
  /** with acks asked: sockets that acknowledged in time */
  ackedCount?: number
}

export type Realtime = ReturnType<typeof createRealtime>

/** Hooks for metrics. */
export interface DispatchObserver {
  dispatched(sockets: number): void
}

/** Dispatched event names are chosen by callers, so they are not part of the typed event map. */
const untyped = (operator: object) => operator as { emit(event: string, ...args: unknown[]): boolean }

export function createRealtime(io: IoServer, presence: Presence, observer?: DispatchObserver) {
  /** fetchSockets asks every instance; one that does not answer makes the answer incomplete. */
  const socketsIn = async (room?: string) => {
    presence.assertReachable()
    try {
      return await (room === undefined ? io.fetchSockets() : io.in(room).fetchSockets())
    } catch (error) {
      throw new StoreUnavailableError(`Not every instance answered: ${(error as Error).message}`)
    }
  }

  const targetRoom = (target: Target): string => {
    const room = roomForTarget(target)
    if (room === undefined) throw new ValidationError('channel or userId is required')
    return room
  }

  return {
    /**
     * Sends `event` to every socket the target matches. With `ackTimeoutMs`, waits that long for
     * the clients' acknowledgements and counts them.
     */
    async dispatch(target: Target, event: string, data: unknown, ackTimeoutMs?: number): Promise<DispatchResult> {
      const room = targetRoom(target)
      if (RESERVED_EVENTS.has(event)) {
        throw new ValidationError(`event "${event}" is reserved: the service or Socket.IO sends it`)
      }
      presence.assertReachable()
      const dispatchedCount = await presence.roomSize(room)
      observer?.dispatched(dispatchedCount)
      const message: DispatchedMessage = { event, data, timestamp: new Date().toISOString() }
      if (ackTimeoutMs === undefined) {
        untyped(io.to(room)).emit(event, message)
        return { dispatchedCount }
      }
      const acks = await new Promise<unknown[]>((resolve) => {
        const collect = (_error: Error | null, responses: unknown[] | undefined) => resolve(responses ?? [])
        untyped(io.to(room).timeout(ackTimeoutMs)).emit(event, message, collect)
      })
      return { dispatchedCount, ackedCount: acks.length }
    },

    /** Disconnects one socket, or every socket of a channel, a user or a user in a channel. */
    async disconnect(target: Target & { socketId?: string }): Promise<number> {
      const { socketId, ...rest } = target
      if (socketId !== undefined && (rest.channel !== undefined || rest.userId !== undefined)) {
        throw new ValidationError('give socketId alone, or channel and/or userId')
      }
      const room = socketId ?? roomForTarget(rest)
      if (room === undefined) throw new ValidationError('socketId, channel or userId is required')
      presence.assertReachable()
      const count = await presence.roomSize(room)
      io.in(room).disconnectSockets(true)
      return count
    },

    async connections(filter: ConnectionFilter): Promise<{ totalConnections: number; connections: ConnectionInfo[] }> {
      const sockets = await socketsIn(roomForTarget(filter))
      const shown = filter.limit === undefined ? sockets : sockets.slice(0, filter.limit)
      return {
        totalConnections: sockets.length,
        connections: shown.map((socket) => connectionInfo(socket.id, socket.data)),
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
