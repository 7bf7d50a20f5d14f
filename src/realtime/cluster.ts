// Cluster mode for the sockets: the Socket.IO Redis streams adapter carries broadcasts between
// instances, and each instance answers for its own share of a count and hands durable messages
// to its own sockets.
import { createAdapter } from '@socket.io/redis-streams-adapter'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../errors.js'
import type { InterServerEvents, RoomSelection } from './events.js'
import { boundedClusterAdapter, type RecoveryBounds } from './recovery.js'
import type { IoServer, IoSocket } from './socket-server.js'

/** The other instances, as far as the sockets are concerned (none with one instance). */
export interface Peers {
  /** How many distinct sockets `selection` holds, on every instance. */
  countSockets(selection: RoomSelection): Promise<number>
  /** Throws STORE_UNAVAILABLE when a dispatch could not reach the other instances. */
  assertReachable(): void
  /** Sends a durable message to the other instances, for their own sockets. */
  deliverElsewhere(delivery: Parameters<InterServerEvents['inbox-deliver']>[0]): void
  close(): Promise<void>
}

/** This instance's sockets in `selection`: each once, however many of its rooms it is in. */
export function localSockets(io: IoServer, { rooms, except }: RoomSelection): IoSocket[] {
  const found = new Map<string, IoSocket>()
  const roomMap = io.of('/').adapter.rooms
  for (const room of rooms) {
    for (const id of roomMap.get(room) ?? []) {
      const socket = io.of('/').sockets.get(id)
      if (socket && id !== except) found.set(id, socket)
    }
  }
  return [...found.values()]
}

export function localCount(io: IoServer, { rooms, except }: RoomSelection): number {
  const roomMap = io.of('/').adapter.rooms
  if (rooms.length === 1 && except === undefined) return roomMap.get(rooms[0]!)?.size ?? 0
  const ids = new Set<string>()
  for (const room of rooms) for (const id of roomMap.get(room) ?? []) ids.add(id)
  if (except !== undefined) ids.delete(except)
  return ids.size
}

/** One instance alone: everything is local. */
export function localPeers(io: IoServer): Peers {
  return {
    countSockets: async (selection) => localCount(io, selection),
    assertReachable: () => undefined,
    deliverElsewhere: () => undefined,
    close: async () => undefined,
  }
}

export function joinCluster(io: IoServer, { url, prefix, recovery }: { url: string; prefix: string; recovery: RecoveryBounds }): Peers {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined) // reconnection is automatic; dispatch reports unavailability
  io.adapter(
    boundedClusterAdapter(
      createAdapter(redis, {
        streamName: `${prefix}:socket.io`,
        channelPrefix: `${prefix}:socket.io`,
        sessionKeyPrefix: `${prefix}:socket.io:session:`,
      }),
      recovery,
    ),
  )
  io.on('room-size', (selection, answer) => answer(localCount(io, selection)))

  return {
    async countSockets(selection) {
      // Instances that do not answer within the adapter's timeout are left out of the count.
      const remote = await new Promise<number[]>((resolve) =>
        io.serverSideEmit('room-size', selection, (_error: Error | null, counts: number[]) => resolve(counts ?? [])),
      )
      return remote.reduce((sum, count) => sum + count, localCount(io, selection))
    },
    assertReachable() {
      if (redis.status !== 'ready') throw new StoreUnavailableError('Redis is unreachable: the other instances cannot be reached')
    },
    deliverElsewhere(delivery) {
      io.serverSideEmit('inbox-deliver', delivery)
    },
    async close() {
      await io.of('/').adapter.close()
      redis.disconnect()
    },
  }
}
