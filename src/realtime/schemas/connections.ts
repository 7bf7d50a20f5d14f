// Who is connected, client tokens and forcing sockets off: the shapes the API accepts and answers.
import Type, { type Static } from 'typebox'
import { InfoSchema, Name } from './names.js'

export const ConnectionSchema = Type.Object(
  {
    socketId: Type.String(),
    channel: Type.String({ description: 'the channel it connected to' }),
    userId: Type.String(),
    connectedAt: Type.String({ format: 'date-time' }),
    channels: Type.Array(Type.String(), { description: 'every channel it is in, subscriptions included' }),
  },
  { title: 'Connection' },
)
/** What the `connected` event and the connections list say about a socket. */
export type ConnectionInfo = Static<typeof ConnectionSchema>

export const ConnectionsQuery = Type.Object({
  channel: Type.Optional(Name('only sockets in this channel')),
  userId: Type.Optional(Name('only sockets of this user')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'list at most this many' })),
})
export type ConnectionFilter = Static<typeof ConnectionsQuery>

export const ConnectionsSchema = Type.Object(
  { totalConnections: Type.Integer({ minimum: 0 }), connections: Type.Array(ConnectionSchema) },
  {
    title: 'Connections',
    examples: [
      {
        totalConnections: 1,
        connections: [
          {
            socketId: 'abc123',
            channel: 'my-channel',
            userId: 'user-123',
            connectedAt: '2024-01-15T10:30:00.000Z',
            channels: ['my-channel'],
          },
        ],
      },
    ],
  },
)
export type Connections = Static<typeof ConnectionsSchema>

export const ChannelStatsSchema = Type.Object(
  { channel: Type.String(), userCount: Type.Integer({ minimum: 0 }), socketCount: Type.Integer({ minimum: 0 }) },
  { title: 'ChannelStats', examples: [{ channel: 'my-channel', userCount: 5, socketCount: 8 }] },
)
export type ChannelStats = Static<typeof ChannelStatsSchema>

export const TokenBodySchema = Type.Object(
  {
    userId: Name('the only user the token connects as'),
    channels: Type.Optional(
      Type.Array(Name('a channel'), {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'the only channels it may connect to and subscribe to (any when absent; never `$ops`)',
      }),
    ),
    info: Type.Optional(InfoSchema),
    expiresIn: Type.Integer({ minimum: 1, maximum: 2_592_000, default: 3600, description: 'seconds' }),
  },
  {
    title: 'ClientTokenRequest',
    additionalProperties: false,
    examples: [{ userId: 'user-123', channels: ['team-7', 'presence-team-7'], info: { name: 'Ana' }, expiresIn: 3600 }],
  },
)

export const TokenSchema = Type.Object(
  { token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) },
  {
    title: 'ClientToken',
    examples: [{ token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJl', expiresAt: '2024-01-15T11:30:00.000Z' }],
  },
)

export const DisconnectBodySchema = Type.Object(
  {
    socketId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    channel: Type.Optional(Name('every socket in this channel')),
    userId: Type.Optional(Name('every socket of this user')),
  },
  { title: 'Disconnect', additionalProperties: false, examples: [{ userId: 'user-123' }] },
)

export const DisconnectedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Sockets disconnected'] }),
    disconnectedCount: Type.Integer({ minimum: 0 }),
  },
  { title: 'Disconnected', examples: [{ success: true, message: 'Sockets disconnected', disconnectedCount: 2 }] },
)
