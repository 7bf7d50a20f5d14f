// /api/socket: push events to connected sockets, see who is connected, force sockets off and
// mint client tokens for browsers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { RESERVED_EVENTS } from '../../realtime/events.js'
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../../realtime/handshake.js'
import { dispatchWithFallback } from '../../realtime/offline-fallback.js'
import { HTTP_METHODS } from '../../postbacks/types.js'
import { apiErrors, bodyErrors } from '../schemas.js'

/** A channel or userId: the same rule as the socket handshake, so whatever is accepted here can connect. */
const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN, description })

const DispatchBodySchema = Type.Object(
  {
    channel: Type.Optional(Name('every socket in this channel (with userId: only that user’s sockets in it)')),
    userId: Type.Optional(Name('every socket of this user, in any channel')),
    event: Type.String({
      minLength: 1,
      maxLength: 200,
      description: `the event name clients listen to; not one the service or Socket.IO sends (${[...RESERVED_EVENTS].join(', ')})`,
    }),
    data: Type.Optional(Type.Unknown({ description: 'any JSON value, delivered as `data`' })),
    ack: Type.Optional(Type.Boolean({ description: 'wait for clients to acknowledge, up to ackTimeoutMs' })),
    ackTimeoutMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 5000 }),
    fallback: Type.Optional(
      Type.Object(
        {
          postbackUrl: Type.String({ minLength: 1, maxLength: 4096 }),
          method: Type.Optional(Type.Enum(HTTP_METHODS)),
          headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 8192 }), { maxProperties: 64 })),
        },
        {
          additionalProperties: false,
          description:
            'when nobody receives the event (or, with ack, nobody acknowledges it), queue it as a postback here',
        },
      ),
    ),
  },
  {
    title: 'Dispatch',
    examples: [
      { channel: 'my-channel', event: 'notification', data: { title: 'Hi' } },
      { userId: 'user-123', event: 'invoice.ready', data: { id: 7 }, fallback: { postbackUrl: 'https://example.com/push' } },
    ],
  },
)

const DispatchedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Event dispatched successfully'] }),
    dispatchedCount: Type.Integer({ minimum: 0, description: 'sockets the event was sent to' }),
    ackedCount: Type.Optional(Type.Integer({ minimum: 0, description: 'with ack: sockets that acknowledged in time' })),
    fallbackQueueId: Type.Optional(Type.String({ description: 'the postback queued because nobody received the event' })),
  },
  { title: 'Dispatched', examples: [{ success: true, message: 'Event dispatched successfully', dispatchedCount: 5 }] },
)

const ConnectionSchema = Type.Object(
  {
    socketId: Type.String(),
    channel: Type.String({ description: 'the channel it connected to' }),
    userId: Type.String(),
    connectedAt: Type.String({ format: 'date-time' }),
    channels: Type.Array(Type.String(), { description: 'every channel it is in, subscriptions included' }),
  },
  { title: 'Connection' },
)

const ConnectionsQuery = Type.Object({
  channel: Type.Optional(Name('only sockets in this channel')),
  userId: Type.Optional(Name('only sockets of this user')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'list at most this many' })),
})

const ConnectionsSchema = Type.Object(
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

const ChannelStatsSchema = Type.Object(
  { channel: Type.String(), userCount: Type.Integer({ minimum: 0 }), socketCount: Type.Integer({ minimum: 0 }) },
  { title: 'ChannelStats', examples: [{ channel: 'my-channel', userCount: 5, socketCount: 8 }] },
)

const TokenBodySchema = Type.Object(
  {
    userId: Name('the only user the token connects as'),
    channels: Type.Optional(
      Type.Array(Name('a channel'), {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'the only channels it may connect to and subscribe to (any when absent)',
      }),
    ),
    expiresIn: Type.Integer({ minimum: 1, maximum: 2_592_000, default: 3600, description: 'seconds' }),
  },
  {
    title: 'ClientTokenRequest',
    additionalProperties: false,
    examples: [{ userId: 'user-123', channels: ['team-7'], expiresIn: 3600 }],
  },
)

const TokenSchema = Type.Object(
  { token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) },
  {
    title: 'ClientToken',
    examples: [{ token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJl', expiresAt: '2024-01-15T11:30:00.000Z' }],
  },
)

const DisconnectBodySchema = Type.Object(
  {
    socketId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    channel: Type.Optional(Name('every socket in this channel')),
    userId: Type.Optional(Name('every socket of this user')),
  },
  { title: 'Disconnect', additionalProperties: false, examples: [{ userId: 'user-123' }] },
)

const DisconnectedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Sockets disconnected'] }),
    disconnectedCount: Type.Integer({ minimum: 0 }),
  },
  { title: 'Disconnected', examples: [{ success: true, message: 'Sockets disconnected', disconnectedCount: 2 }] },
)

const socketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/socket/dispatch',
    {
      schema: {
        summary: 'Send an event to a channel, a user, or a user in a channel',
        tags: ['sockets'],
        body: DispatchBodySchema,
        response: { 200: DispatchedSchema, ...apiErrors, ...bodyErrors },
      },
    },
    async (request) => {
      const result = await dispatchWithFallback(app.realtime, app.postbacks, request.body)
      return { success: true as const, message: 'Event dispatched successfully', ...result }
    },
  )

  app.post(
    '/socket/token',
    {
      schema: {
        summary: 'Mint a client token for a browser or app',
        tags: ['sockets'],
        description: 'A signed token (JWT, HS256) that connects only as `userId` and only to `channels`.',
        body: TokenBodySchema,
        response: { 200: TokenSchema, ...apiErrors },
      },
    },
    async (request) => {
      const { userId, channels, expiresIn } = request.body
      return app.clientTokens.mint({ userId, ...(channels ? { channels } : {}) }, expiresIn)
    },
  )

  app.post(
    '/socket/disconnect',
    {
      schema: {
        summary: 'Force sockets off',
        tags: ['sockets'],
        description: 'One socket by socketId, or every socket of a channel, a user, or a user in a channel.',
        body: DisconnectBodySchema,
        response: { 200: DisconnectedSchema, ...apiErrors },
      },
    },
    async (request) => {
      const disconnectedCount = await app.realtime.disconnect(request.body)
      return { success: true as const, message: 'Sockets disconnected', disconnectedCount }
    },
  )

  app.get(
    '/socket/sockets/stats',
    {
      schema: {
        summary: 'List connected sockets',
        tags: ['sockets'],
        querystring: ConnectionsQuery,
        response: { 200: ConnectionsSchema, ...apiErrors },
      },
    },
    async (request) => app.realtime.connections(request.query),
  )

  app.get(
    '/socket/sockets/channel/:channel/stats',
    {
      schema: {
        summary: 'Count the users and sockets in a channel',
        tags: ['sockets'],
        params: Type.Object({ channel: Name('the channel') }),
        response: { 200: ChannelStatsSchema, ...apiErrors },
      },
    },
    async (request) => app.realtime.channelStats(request.params.channel),
  )
}

export default socketRoutes
