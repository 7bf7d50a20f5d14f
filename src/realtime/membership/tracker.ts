// Who is in which channel, cluster-wide: the member lists of presence channels and the socket
// count of every channel, and the changes they go through (SPEC §9). A change that can be undone
// by a quick reconnect (a user's last socket leaving, a channel emptying) waits
// SOCKET_OCCUPANCY_DEBOUNCE_MS and is called off if the socket comes back in time.
import type { Info } from '../info.js'
import type { Member } from '../schemas/presence.js'

/** One socket in one channel. */
export interface Membership {
  channel: string
  userId: string
  socketId: string
  info: Info | null
}

interface EventBase {
  /** unique per change: the occupancy webhooks' idempotency key */
  id: string
  channel: string
  /** epoch ms of the change */
  at: number
}

export type MembershipEvent =
  | (EventBase & { event: 'presence.joined'; userId: string; info: Info | null })
  | (EventBase & { event: 'presence.left'; userId: string })
  | (EventBase & { event: 'channel.occupied' })
  | (EventBase & { event: 'channel.vacated' })

export interface TrackerOptions {
  debounceMs: number
  /** count every channel and report when one fills or empties; presence channels are counted always */
  occupancy: boolean
  /**
   * Acts on a change. Each change is handed to one instance; if this rejects, or the instance dies
   * before it resolves, the change is handed out again, so it must be safe to repeat.
   */
  handle(event: MembershipEvent): Promise<void>
  log: { warn(details: object, message: string): void }
}

export interface MembersPage {
  count: number
  /** longest present first */
  members: Member[]
}

export interface MembershipTracker {
  join(membership: Membership): Promise<void>
  leave(membership: Membership): Promise<void>
  members(channel: string, limit: number): Promise<MembersPage>
  close(): Promise<void>
}

/** Members longest present first, then by userId, as both trackers list them. */
export const byArrival = (a: Member, b: Member) => a.since.localeCompare(b.since) || a.userId.localeCompare(b.userId)
