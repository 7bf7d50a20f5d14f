// Room names: every socket joins one room for its channel, one for its user and one for the
// pair, so that every dispatch is a single room broadcast.

export const roomForChannel = (channel: string) => `channel:${channel}`

export const roomForUser = (userId: string) => `user:${userId}`

/** JSON keeps the pair unambiguous whatever characters the two names contain. */
export const roomForChannelUser = (channel: string, userId: string) => `channel-user:${JSON.stringify([channel, userId])}`

export interface Target {
  channel?: string
  userId?: string
}

/** The one room holding exactly the sockets a target matches; none when the target is empty. */
export function roomForTarget({ channel, userId }: Target): string | undefined {
  if (channel !== undefined && userId !== undefined) return roomForChannelUser(channel, userId)
  if (channel !== undefined) return roomForChannel(channel)
  if (userId !== undefined) return roomForUser(userId)
  return undefined
}

export function roomsOf(channel: string, userId: string): string[] {
  return [roomForChannel(channel), roomForUser(userId), roomForChannelUser(channel, userId)]
}
