// The queue's counts as GET /api/queue/stats answers them.
import Type, { type Static } from 'typebox'
import { STATUSES, type PostbackStatus } from './types.js'

const Count = () => Type.Integer({ minimum: 0 })
/** One count per status; the keys are the statuses, which Object.fromEntries cannot say. */
const counts = Object.fromEntries(STATUSES.map((status) => [status, Count()])) as Record<PostbackStatus, ReturnType<typeof Count>>

export const QueueStatsSchema = Type.Object(
  {
    counts: Type.Object(counts),
    total: Type.Integer({ minimum: 0 }),
    oldestPendingAgeMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description:
        'how long the postback due the longest has waited for its attempt (now − its next attempt time), ms; null when none is due. Postbacks scheduled for later (delayMs, runAt, a retry) are not late',
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
export type QueueStats = Static<typeof QueueStatsSchema>
