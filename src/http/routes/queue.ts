// /api/queue: the queue as a whole — counts, the last 15 minutes, and what each status allows.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ActivitySchema } from '../../postbacks/activity.js'
import { CANCELABLE_STATUSES, RETRYABLE_STATUSES, STATUSES } from '../../postbacks/types.js'
import { apiErrors } from '../schemas.js'

const StatsSchema = Type.Object(
  {
    counts: Type.Object(Object.fromEntries(STATUSES.map((s) => [s, Type.Integer({ minimum: 0 })]))),
    total: Type.Integer({ minimum: 0 }),
    oldestPendingAgeMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'age of the oldest pending postback',
    }),
    inFlight: Type.Integer({ minimum: 0, description: 'deliveries under way on this instance' }),
    hosts: Type.Array(
      Type.Object({
        destination: Type.String({ examples: ['https://example.com:443'] }),
        inFlight: Type.Integer({ minimum: 0 }),
        limit: Type.Integer({
          minimum: 1,
          description: 'deliveries it may have in flight now, cluster-wide (POSTBACK_HOST_CONCURRENCY at most)',
        }),
        failureRate: Type.Number({ minimum: 0, maximum: 1, description: 'share of its last 20 attempts that failed' }),
      }),
      { description: 'destinations that are busy, held back or failing (cluster-wide with STORE=redis)' },
    ),
  },
  {
    title: 'QueueStats',
    examples: [
      {
        counts: { pending: 3, processing: 1, completed: 120, failed: 2, canceled: 0 },
        total: 126,
        oldestPendingAgeMs: 840,
        inFlight: 1,
        hosts: [{ destination: 'https://slow.example:443', inFlight: 1, limit: 1, failureRate: 0.65 }],
      },
    ],
  },
)

const StatusRulesSchema = Type.Array(
  Type.Object({
    status: Type.Enum(STATUSES),
    retryable: Type.Boolean({ description: 'POST /api/queue/postback/:id/retry re-queues a postback in this status' }),
    cancelable: Type.Boolean({ description: 'DELETE /api/queue/postback/:id cancels a postback in this status' }),
  }),
  {
    title: 'PostbackStatuses',
    description: 'Every status a postback can have, in the order of its life, and what each allows',
    examples: [
      [
        { status: 'pending', retryable: false, cancelable: true },
        { status: 'failed', retryable: true, cancelable: false },
      ],
    ],
  },
)

const STATUS_RULES = STATUSES.map((status) => ({
  status,
  retryable: RETRYABLE_STATUSES.includes(status),
  cancelable: CANCELABLE_STATUSES.includes(status),
}))

const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/queue/stats',
    {
      schema: {
        summary: 'Queue counts, deliveries in flight and busy destinations',
        tags: ['postbacks'],
        response: { 200: StatsSchema, ...apiErrors },
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
