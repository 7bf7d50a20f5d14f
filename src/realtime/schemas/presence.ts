// Presence channels: who is in one, as the API and the `presence` socket request answer it, and
// the events members get.
import Type, { type Static } from 'typebox'
import { InfoSchema, Name } from './names.js'

/** Channels whose name starts with this keep a member list and tell members who comes and goes. */
export const PRESENCE_PREFIX = 'presence-'

export const isPresenceChannel = (channel: string) => channel.startsWith(PRESENCE_PREFIX)

export const MemberSchema = Type.Object(
  {
    userId: Type.String(),
    info: Type.Union([InfoSchema, Type.Null()], { description: 'the info of the socket that made the user a member; null when it had none' }),
    since: Type.String({ format: 'date-time', description: 'when the user became a member' }),
  },
  { title: 'PresenceMember' },
)
export type Member = Static<typeof MemberSchema>

export const PresenceQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'list at most this many members, longest present first' }),
})

export const PresenceParams = Type.Object({ channel: Name(`a channel whose name starts with ${PRESENCE_PREFIX}`) })

export const PresenceSchema = Type.Object(
  {
    channel: Type.String(),
    count: Type.Integer({ minimum: 0, description: 'every member, however many are listed' }),
    members: Type.Array(MemberSchema),
  },
  {
    title: 'Presence',
    examples: [
      {
        channel: 'presence-team-7',
        count: 2,
        members: [
          { userId: 'ana', info: { name: 'Ana' }, since: '2024-01-15T10:30:00.000Z' },
          { userId: 'bia', info: null, since: '2024-01-15T10:31:12.000Z' },
        ],
      },
    ],
  },
)
export type Presence = Static<typeof PresenceSchema>

export const PresenceJoinedSchema = Type.Object({
  channel: Type.String(),
  userId: Type.String(),
  info: MemberSchema.properties.info,
  timestamp: Type.String({ format: 'date-time' }),
})
export type PresenceJoined = Static<typeof PresenceJoinedSchema>

export const PresenceLeftSchema = Type.Object({
  channel: Type.String(),
  userId: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
})
export type PresenceLeft = Static<typeof PresenceLeftSchema>
