// /api/socket: push events to connected sockets and see who is connected.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { NAME_MAX_LENGTH } from '../../realtime/handshake.js'
import { ErrorSchema, apiErrors } from '../schemas.js'

const Name = (description: string) => Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, description })

const DispatchBodySchema = Type.Object(
  {
    channel: Type.Optional(Name('every socket in this channel (with userId: only that user’s sockets in it)')),
    userId: Type.Optional(Name('every socket of this user, in any channel')),
    event: Type.String({ minLength: 1, maxLength: 200, description: 'the event name clients listen to' }),
    data: Type.Optional(Type.Unknown({ description: 'any JSON value, delivered as `data`' })),
  },
  { title: 'Dispatch' },
)

const DispatchedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Event dispatched successfully'] }),
    dispatchedCount: Type.Integer({ minimum: 0, description: 'sockets the event was sent to' }),
  },
  { title: 'Dispatched' },
)

const ConnectionSchema = Type.Object(
  { socketId: Type.String(), channel: Type.String(), userId: Type.String(), connectedAt: Type.String({ format: 'date-time' }) },
  { title: 'Connection' },
)

const ConnectionsQuery = Type.Object({
  channel: Type.Optional(Name('only sockets in this channel')),
  userId: Type.Optional(Name('only sockets of this user')),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'list at most this many' })),
})

const ConnectionsSchema = Type.Object(
  { totalConnections: Type.Integer({ minimum: 0 }), connections: Type.Array(ConnectionSchema) },
  { title: 'Connections' },
)

const ChannelStatsSchema = Type.Object(
  { channel: Type.String(), userCount: Type.Integer({ minimum: 0 }), socketCount: Type.Integer({ minimum: 0 }) },
  { title: 'ChannelStats' },
)

const socketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/socket/dispatch',
    {
      schema: {
        summary: 'Send an event to a channel, a user, or a user in a channel',
        body: DispatchBodySchema,
        response: { 200: DispatchedSchema, ...apiErrors, 413: ErrorSchema, 415: ErrorSchema },
      },
    },
    async (request) => {
      const { event, data, ...target } = request.body
      const dispatchedCount = await app.realtime.dispatch(target, event, data)
      return { success: true as const, message: 'Event dispatched successfully', dispatchedCount }
    },
  )

  app.get(
    '/socket/sockets/stats',
    {
      schema: {
        summary: 'List connected sockets',
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
        params: Type.Object({ channel: Name('the channel') }),
        response: { 200: ChannelStatsSchema, ...apiErrors },
      },
    },
    async (request) => app.realtime.channelStats(request.params.channel),
  )
}

export default socketRoutes
