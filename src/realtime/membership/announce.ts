// What a membership change does: presence changes are told to the channel's other members, and
// occupancy changes to the listeners (the SOCKET_WEBHOOK_URL postbacks).
import { roomForChannel, roomForUser } from '../rooms.js'
import type { IoServer } from '../socket-server.js'
import type { MembershipEvent } from './tracker.js'

export type OccupancyEvent = Extract<MembershipEvent, { event: 'channel.occupied' | 'channel.vacated' }>

/** Resolves once the change is safely handed on; rejects to have it handed out again. */
export type OccupancyListener = (event: OccupancyEvent) => Promise<void>

export function announcer(io: IoServer, occupancyListeners: OccupancyListener[]) {
  /** the channel's sockets, except the user's own */
  const othersIn = (channel: string, userId: string) => io.to(roomForChannel(channel)).except(roomForUser(userId))
  return async (event: MembershipEvent): Promise<void> => {
    const timestamp = new Date(event.at).toISOString()
    switch (event.event) {
      case 'presence.joined': {
        const { channel, userId, info } = event
        othersIn(channel, userId).emit('presence.joined', { channel, userId, info, timestamp })
        return
      }
      case 'presence.left': {
        const { channel, userId } = event
        othersIn(channel, userId).emit('presence.left', { channel, userId, timestamp })
        return
      }
      default:
        await Promise.all(occupancyListeners.map((listen) => listen(event)))
    }
  }
}
