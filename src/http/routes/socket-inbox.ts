// /api/socket/users/:userId/inbox: how many durable messages wait for a user, and clearing them;
// /api/socket/inboxes: the users with the most waiting.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { BusiestQuery, BusiestSchema, InboxClearedSchema, InboxParams, InboxStatsSchema } from '../../realtime/schemas/inbox.js'
import { apiErrors } from '../schemas.js'

const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/socket/inboxes',
    {
      schema: {
        summary: 'List the users with durable messages waiting, most first',
        tags: ['sockets'],
        description:
          'Each user with `{userId, pending, oldestAt}` as the per-user route answers; users with nothing pending are left out. ' +
          'Read from a count kept per user: the cost grows with `limit`, not with the messages stored.',
        querystring: BusiestQuery,
        response: { 200: BusiestSchema, ...apiErrors },
      },
    },
    async (request) => app.inbox.busiest(request.query.limit),
  )

  app.get(
    '/socket/users/:userId/inbox',
    {
      schema: {
        summary: 'Count the durable messages waiting for a user',
        tags: ['sockets'],
        params: InboxParams,
        response: { 200: InboxStatsSchema, ...apiErrors },
      },
    },
    async (request) => app.inbox.stats(request.params.userId),
  )

  app.delete(
    '/socket/users/:userId/inbox',
    {
      schema: {
        summary: 'Delete every durable message waiting for a user',
        tags: ['sockets'],
        params: InboxParams,
        response: { 200: InboxClearedSchema, ...apiErrors },
      },
    },
    async (request) => {
      const { userId } = request.params
      return { success: true as const, message: 'Inbox cleared', userId, deletedCount: await app.inbox.clear(userId) }
    },
  )
}

export default inboxRoutes
