// Cluster mode for the sockets: the Socket.IO Redis streams adapter carries broadcasts between
// instances, and each instance answers for its own share of a room's size.
import { createAdapter } from '@socket.io/redis-streams-adapter'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../errors.js'
import type { IoServer } from './socket-server.js'

export interface Presence {
  /** How many sockets are in `room`, on every instance. */
  roomSize(room: string): Promise<number>
  /** Throws STORE_UNAVAILABLE when a dispatch could not reach the other instances. */
  assertReachable(): void
  close(): Promise<void>
}

export const localRoomSize = (io: IoServer, room: string) => io.of('/').adapter.rooms.get(room)?.size ?? 0

/** One instance alone: everything is local. */
export function localPresence(io: IoServer): Presence {
  return {
    roomSize: async (room) => localRoomSize(io, room),
    assertReachable: () => undefined,
    close: async () => undefined,
  }
}

export function joinCluster(io: IoServer, { url, prefix }: { url: string; prefix: string }): Presence {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined) // reconnection is automatic; dispatch reports unavailability
  io.adapter(
    createAdapter(redis, {
      streamName: `${prefix}:socket.io`,
      channelPrefix: `${prefix}:socket.io`,
      sessionKeyPrefix: `${prefix}:socket.io:session:`,
    }),
  )
  io.on('room-size', (room, answer) => answer(localRoomSize(io, room)))

  return {
    async roomSize(room) {
      // Instances that do not answer within the adapter's timeout are left out of the count.
      const remote = await new Promise<number[]>((resolve) =>
        io.serverSideEmit('room-size', room, (_error: Error | null, counts: number[]) => resolve(counts ?? [])),
      )
      return remote.reduce((sum, count) => sum + count, localRoomSize(io, room))
    },
    assertReachable() {
      if (redis.status !== 'ready') throw new StoreUnavailableError('Redis is unreachable: the other instances cannot be reached')
    },
    async close() {
      io.of('/').adapter.close()
      redis.disconnect()
    },
  }
}
