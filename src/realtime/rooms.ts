// Room names: every socket joins one room for its channel, one for its user and one for the
// pair, so that every dispatch is a broadcast to a set of rooms (Socket.IO sends each socket one
// copy, however many of the rooms it is in).
import { ValidationError } from '../errors.js'
import type { DispatchBody } from './schemas/dispatch.js'

export const roomForChannel = (channel: string) => `channel:${channel}`

export const roomForUser = (userId: string) => `user:${userId}`

/** JSON keeps the pair unambiguous whatever characters the two names contain. */
export const roomForChannelUser = (channel: string, userId: string) => `channel-user:${JSON.stringify([channel, userId])}`

/** Channels and/or users, one or many (SPEC §9); the single forms are shorthands for lists of one. */
export type Targets = Pick<DispatchBody, 'channel' | 'channels' | 'userId' | 'userIds' | 'exceptSocketId'>

/** One channel and/or one user: the seed's targets, also those of filters and `notify`. */
export type Target = Pick<Targets, 'channel' | 'userId'>

/** At most this many channels, and this many users, in one dispatch. */
export const MAX_TARGETS = 100

/** The one room holding exactly the sockets a target matches; none when the target is empty. */
export function roomForTarget({ channel, userId }: Target): string | undefined {
  if (channel !== undefined && userId !== undefined) return roomForChannelUser(channel, userId)
  if (channel !== undefined) return roomForChannel(channel)
  if (userId !== undefined) return roomForUser(userId)
  return undefined
}

/** The channels and users a target names, each list without repeats; refuses a name given both ways. */
export function listsOf(target: Targets): { channels?: string[]; userIds?: string[] } {
  if (target.channel !== undefined && target.channels !== undefined) {
    throw new ValidationError('give channel or channels, not both')
  }
  if (target.userId !== undefined && target.userIds !== undefined) {
    throw new ValidationError('give userId or userIds, not both')
  }
  const channels = target.channels ?? (target.channel === undefined ? undefined : [target.channel])
  const userIds = target.userIds ?? (target.userId === undefined ? undefined : [target.userId])
  return {
    ...(channels ? { channels: [...new Set(channels)] } : {}),
    ...(userIds ? { userIds: [...new Set(userIds)] } : {}),
  }
}

/**
 * The rooms whose union is exactly the sockets a target matches: with channels and users, each
 * user's room in each channel; with one kind alone, its rooms.
 */
export function roomsForTargets(target: Targets): string[] {
  const { channels, userIds } = listsOf(target)
  if (channels && userIds) return channels.flatMap((channel) => userIds.map((userId) => roomForChannelUser(channel, userId)))
  if (channels) return channels.map(roomForChannel)
  if (userIds) return userIds.map(roomForUser)
  throw new ValidationError('channel or userId is required (or channels, userIds)')
}

export function roomsOf(channel: string, userId: string): string[] {
  return [roomForChannel(channel), roomForUser(userId), roomForChannelUser(channel, userId)]
}
