// GET /health: open to everyone, for load balancers and uptime checks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { VERSION } from '../../version.js'
import { errorSchema } from '../schemas.js'

const HealthSchema = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded']),
    timestamp: Type.String({ format: 'date-time' }),
    uptime: Type.Number({ description: 'seconds since the process started' }),
    store: Type.String({ examples: ['sqlite'] }),
    version: Type.String(),
    problems: Type.Array(
      Type.Object({
        code: Type.String({ examples: ['STORE_FULL'] }),
        message: Type.String(),
        since: Type.String({ format: 'date-time' }),
      }),
      { description: 'what needs an operator now: store unreachable, disk full, Redis data lost' },
    ),
  },
  {
    title: 'Health',
    examples: [
      { status: 'ok', timestamp: '2024-01-15T10:30:00.000Z', uptime: 12.5, store: 'sqlite', version: '1.0.0', problems: [] },
    ],
  },
)

/** Problems that stop the instance from taking work: load balancers should look elsewhere. */
const BLOCKING = new Set(['STORE_UNAVAILABLE', 'STORE_FULL'])

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Service health',
        description:
          'Open to everyone. 503 with status "degraded" when the store cannot be reached or is full; ' +
          'status "degraded" with 200 when it serves but lost data. `problems` says what is wrong.',
        tags: ['operations'],
        security: [],
        response: {
          200: HealthSchema,
          503: Type.Union([HealthSchema, errorSchema('Shutting down (SHUTTING_DOWN)')], {
            description: 'The store cannot be reached ("degraded"), or the service is shutting down',
          }),
        },
      },
    },
    async (_request, reply) => {
      const problems = await app.postbacks.problems()
      const serving = !problems.some((p) => BLOCKING.has(p.code))
      reply.status(serving ? 200 : 503)
      return {
        status: serving && problems.length === 0 ? ('ok' as const) : ('degraded' as const),
        timestamp: new Date().toISOString(),
        uptime: process.uptime(),
        store: app.postbacks.storeKind,
        version: VERSION,
        problems,
      }
    },
  )
}

export default healthRoutes
