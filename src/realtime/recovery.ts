// Connection-state recovery (SOCKET_RECOVERY_MS) as Socket.IO's adapters do it, with bounds.
// With recovery on, every packet for one socket goes through the adapter, as broadcasts do.
import type { createAdapter } from '@socket.io/redis-streams-adapter'
import type { BroadcastOptions } from 'socket.io-adapter'

type ClusterAdapterFactory = ReturnType<typeof createAdapter>

/**
 * The cluster adapter, except that a packet with an ack for one socket goes straight to that
 * socket. The cluster adapter publishes each packet to the Redis stream before it writes it, for
 * recovery and for the other instances; a packet with an ack is never recovered, and no other
 * instance holds the socket, so publishing it only costs its size in Redis and a round trip, and
 * keeps it out of the socket's write buffer, where back-pressure is seen, until Redis answers.
 */
export function acksStayLocal(make: ClusterAdapterFactory): ClusterAdapterFactory {
  // Socket.IO calls an adapter factory with `new`: a function, not an arrow.
  return function (nsp) {
    const adapter = make(nsp)
    const broadcast = adapter.broadcast.bind(adapter)
    adapter.broadcast = (packet: { id?: number }, opts: BroadcastOptions) =>
      broadcast(packet, packet.id !== undefined && opts.rooms.size === 1 ? { ...opts, flags: { ...opts.flags, local: true } } : opts)
    return adapter
  }
}
