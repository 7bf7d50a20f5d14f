// /api/queue: the queue as a whole — counts, the last 15 minutes, and what each status allows.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ActivitySchema } from '../../postbacks/activity.js'
import { QueueStatsSchema } from '../../postbacks/stats.js'
import { STATUS_RULES, StatusRulesSchema } from '../../postbacks/types.js'
import { apiErrors } from '../schemas.js'

const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/queue/stats',
    {
      schema: {
        summary: 'Queue counts, deliveries in flight and busy destinations',
        tags: ['postbacks'],
        response: { 200: QueueStatsSchema, ...apiErrors },
      },
    },
    async () => app.postbacks.stats(),
  )

  app.get(
    '/queue/activity',
    {
      schema: {
        summary: 'The last 15 minutes of delivery, in 10-second buckets',
        description: 'Postbacks delivered and failed, attempts, queue depth and the busiest destinations’ failure rates.',
        tags: ['postbacks'],
        response: { 200: ActivitySchema, ...apiErrors },
      },
    },
    async () => app.postbacks.activity(),
  )

  app.get(
    '/queue/statuses',
    {
      schema: {
        summary: 'The postback statuses and what each allows',
        description: 'Which statuses a postback may be re-queued from and canceled in; clients read it instead of keeping a copy.',
        tags: ['postbacks'],
        response: { 200: StatusRulesSchema, ...apiErrors },
      },
    },
    async () => STATUS_RULES,
  )
}

export default queueRoutes
