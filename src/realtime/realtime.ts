// What the API can do with the sockets: dispatch events, read who is connected and who is present,
// and force sockets off, across every instance in cluster mode.
import { StoreUnavailableError, ValidationError } from '../errors.js'
import { connectionInfo } from './client-events.js'
import type { Peers } from './cluster.js'
import { RESERVED_EVENTS, type DispatchedMessage, type RoomSelection } from './events.js'
import type { MembershipTracker } from './membership/tracker.js'
import { roomForChannel, roomForTarget, roomsForTargets, type Target, type Targets } from './rooms.js'
import type { ChannelStats, ConnectionFilter, Connections } from './schemas/connections.js'
import type { DispatchResult } from './schemas/dispatch.js'
import { PRESENCE_PREFIX, isPresenceChannel, type Presence } from './schemas/presence.js'
import type { IoServer } from './socket-server.js'

export type Realtime = ReturnType<typeof createRealtime>

/** Hooks for metrics. */
export interface DispatchObserver {
  dispatched(sockets: number): void
}

/** Dispatched event names are chosen by callers, so they are not part of the typed event map. */
const untyped = (operator: object) => operator as { emit(event: string, ...args: unknown[]): boolean }

export function assertDispatchable(event: string): void {
  if (RESERVED_EVENTS.has(event)) throw new ValidationError(`event "${event}" is reserved: the service or Socket.IO sends it`)
}

/** The rooms and the excepted socket a target selects; refuses an empty or contradictory target. */
export function selectionOf(target: Targets): RoomSelection {
  const rooms = roomsForTargets(target)
  return target.exceptSocketId === undefined ? { rooms } : { rooms, except: target.exceptSocketId }
}

export function createRealtime(io: IoServer, peers: Peers, tracker: MembershipTracker, observer?: DispatchObserver) {
  /** fetchSockets asks every instance; one that does not answer makes the answer incomplete. */
  const socketsIn = async (room?: string) => {
    peers.assertReachable()
    try {
      return await (room === undefined ? io.fetchSockets() : io.in(room).fetchSockets())
    } catch (error) {
      throw new StoreUnavailableError(`Not every instance answered: ${(error as Error).message}`)
    }
  }

  return {
    /**
     * Sends `event` to every socket the target matches, each once. With `ackTimeoutMs`, waits that
     * long for the clients' acknowledgements and counts them.
     */
    async dispatch(target: Targets, event: string, data: unknown, ackTimeoutMs?: number): Promise<DispatchResult> {
      const selection = selectionOf(target)
      assertDispatchable(event)
      peers.assertReachable()
      const dispatchedCount = await peers.countSockets(selection)
      observer?.dispatched(dispatchedCount)
      const message: DispatchedMessage = { event, data, timestamp: new Date().toISOString() }
      const to = selection.except === undefined ? io.to(selection.rooms) : io.to(selection.rooms).except(selection.except)
      if (ackTimeoutMs === undefined) {
        untyped(to).emit(event, message)
        return { dispatchedCount }
      }
      const acks = await new Promise<unknown[]>((resolve) => {
        const collect = (_error: Error | null, responses: unknown[] | undefined) => resolve(responses ?? [])
        untyped(to.timeout(ackTimeoutMs)).emit(event, message, collect)
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
      peers.assertReachable()
      const count = await peers.countSockets({ rooms: [room] })
      io.in(room).disconnectSockets(true)
      return count
    },

    async connections(filter: ConnectionFilter): Promise<Connections> {
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

    async presence(channel: string, limit: number): Promise<Presence> {
      if (!isPresenceChannel(channel)) {
        throw new ValidationError(`channel "${channel}" is not a presence channel: its name must start with ${PRESENCE_PREFIX}`)
      }
      return { channel, ...(await tracker.members(channel, limit)) }
    },
  }
}
