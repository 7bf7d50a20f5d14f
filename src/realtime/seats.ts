// How many sockets each user holds on this instance (SOCKET_MAX_PER_USER): one token cannot open
// connections without end, each with its own buffers and replays. A socket takes its seat in the
// handshake, before it is connected, so sockets connecting at once are counted exactly; the seat
// is given back when the socket disconnects or its connection closes, whichever comes first
// (a handshake that never completes ends only with its connection).
import { codes } from '../errors.js'
import { ConnectionRefused } from './handshake.js'
import type { IoSocket } from './socket-server.js'

export type Seats = ReturnType<typeof createSeats>

export function createSeats(maxPerUser: number) {
  const taken = new Map<string, Set<string>>()

  return {
    /** Gives the socket a seat for its user, or the refusal when the user has none left. */
    take(socket: IoSocket): ConnectionRefused | undefined {
      // Closed already: Socket.IO drops the socket, and no close is left to give a seat back.
      if (socket.conn.readyState === 'closed') return undefined
      const { userId } = socket.data
      const seats = taken.get(userId) ?? new Set<string>()
      if (seats.size >= maxPerUser) {
        return new ConnectionRefused(
          codes.TOO_MANY_SOCKETS,
          `user "${userId}" already has ${maxPerUser} sockets connected to this instance (SOCKET_MAX_PER_USER)`,
        )
      }
      seats.add(socket.id)
      taken.set(userId, seats)
      const release = () => {
        socket.off('disconnect', release)
        socket.conn.off('close', release)
        seats.delete(socket.id)
        if (seats.size === 0 && taken.get(userId) === seats) taken.delete(userId)
      }
      socket.on('disconnect', release)
      socket.conn.on('close', release)
      return undefined
    },
  }
}
