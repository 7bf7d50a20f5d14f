// /api/socket: push events to connected sockets (one, many, in batches, durably), see who is
// connected, force sockets off and mint client tokens for browsers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ValidateFunction } from 'ajv'
import type { FastifySchema } from 'fastify'
import Type from 'typebox'
import { ValidationError } from '../../errors.js'
import { dispatchBatch, type ItemCheck } from '../../realtime/dispatch-batch.js'
import { dispatchRequest } from '../../realtime/dispatch-request.js'
import { infoProblem } from '../../realtime/info.js'
import { refusalOf } from '../../realtime/refusal.js'
import {
  ChannelStatsSchema,
  ConnectionsQuery,
  ConnectionsSchema,
  DisconnectBodySchema,
  DisconnectedSchema,
  TokenBodySchema,
  TokenSchema,
} from '../../realtime/schemas/connections.js'
import { BatchBodySchema, BatchResultsSchema, DispatchBodySchema, DispatchedSchema, type DispatchBody } from '../../realtime/schemas/dispatch.js'
import { Name } from '../../realtime/schemas/names.js'
import { apiErrors, bodyErrors, errorSchema, storeFull } from '../schemas.js'
import { reportingUnknownFields } from '../unknown-fields.js'
import { describeSchemaErrors } from '../validation-messages.js'
import { createValidatorCompiler } from '../validator.js'
import inboxRoutes from './socket-inbox.js'
import presenceRoutes from './socket-presence.js'

const inboxFull = { 409: errorSchema('With durable: a user already has SOCKET_INBOX_MAX_PER_USER messages waiting (INBOX_FULL); nothing was stored') }

/** A batch item is checked exactly as the dispatch route checks its body, with the errors named by place. */
function itemCheck(): ItemCheck {
  const schema = DispatchBodySchema as FastifySchema
  const validate = createValidatorCompiler()({ schema, httpPart: 'body', method: 'POST', url: '/api/socket/dispatch/batch' }) as ValidateFunction
  return (item, index) => {
    if (validate(item)) return { body: item as DispatchBody }
    return { refused: refusalOf(new ValidationError(describeSchemaErrors(validate.errors ?? [], `items/${index}`))) }
  }
}

const socketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = { realtime: app.realtime, inbox: app.inbox, postbacks: app.postbacks }

  app.post(
    '/socket/dispatch',
    reportingUnknownFields({
      schema: {
        summary: 'Send an event to channels, users, or users in channels',
        tags: ['sockets'],
        description:
          'Unknown top-level fields are ignored, as the original service did, and named in `warnings`; unknown fields ' +
          'inside `fallback` are refused.',
        body: DispatchBodySchema,
        response: { 200: DispatchedSchema, ...apiErrors, ...bodyErrors, ...inboxFull, ...storeFull },
      },
    }),
    async (request) => {
      const result = await dispatchRequest(services, request.body)
      return { success: true as const, message: 'Event dispatched successfully', ...result }
    },
  )

  const check = itemCheck()
  app.post(
    '/socket/dispatch/batch',
    {
      schema: {
        summary: 'Send up to 100 dispatches in order, each answered in its place',
        tags: ['sockets'],
        description: 'Each item is a Dispatch; an item that is invalid or refused gets `{error, message}` in its place and the others are sent.',
        body: BatchBodySchema,
        response: { 200: BatchResultsSchema, ...apiErrors, ...bodyErrors },
      },
    },
    async (request) => ({ results: await dispatchBatch(services, request.body.items, check) }),
  )

  app.post(
    '/socket/token',
    {
      schema: {
        summary: 'Mint a client token for a browser or app',
        tags: ['sockets'],
        description: 'A signed token (JWT, HS256) that connects only as `userId`, only to `channels`, carrying `info` for presence channels.',
        body: TokenBodySchema,
        response: { 200: TokenSchema, ...apiErrors },
      },
    },
    async (request) => {
      const { userId, channels, info, expiresIn } = request.body
      const problem = info === undefined ? undefined : infoProblem(info)
      if (problem) throw new ValidationError(`body/${problem}`)
      return app.clientTokens.mint({ userId, ...(channels ? { channels } : {}), ...(info ? { info } : {}) }, expiresIn)
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

  await app.register(presenceRoutes)
  await app.register(inboxRoutes)
}

export default socketRoutes
