// GET /api/socket/channels/:channel/presence: who is in a presence channel, cluster-wide.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PresenceParams, PresenceQuery, PresenceSchema } from '../../realtime/schemas/presence.js'
import { apiErrors } from '../schemas.js'

const presenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/socket/channels/:channel/presence',
    {
      schema: {
        summary: 'List the members of a presence channel',
        tags: ['sockets'],
        description: 'Members longest present first, with their `info`; `count` is every member. A channel whose name does not start with `presence-` is a 400.',
        params: PresenceParams,
        querystring: PresenceQuery,
        response: { 200: PresenceSchema, ...apiErrors },
      },
    },
    async (request) => app.realtime.presence(request.params.channel, request.query.limit),
  )
}

export default presenceRoutes
