// GET /health: open to everyone, for load balancers and uptime checks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { codes } from '../../errors.js'
import { VERSION } from '../../version.js'

const HEALTH_STATUSES = ['ok', 'degraded', 'shutting_down'] as const
type HealthStatus = (typeof HEALTH_STATUSES)[number]

const HealthSchema = Type.Object(
  {
    status: Type.Enum(HEALTH_STATUSES),
    timestamp: Type.String({ format: 'date-time' }),
    uptime: Type.Number({ description: 'seconds since the process started' }),
    store: Type.String({ examples: ['sqlite'] }),
    version: Type.String(),
    problems: Type.Array(
      Type.Object({
        code: Type.String({ examples: [codes.STORE_FULL] }),
        message: Type.String(),
        since: Type.String({ format: 'date-time' }),
      }),
      { description: 'what needs an operator now: store unreachable, disk full, Redis data lost, a stored signing secret that does not decode' },
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
const BLOCKING = new Set<string>([codes.STORE_UNAVAILABLE, codes.STORE_FULL])

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Service health',
        description:
          'Open to everyone. 503 with status "degraded" when the store cannot be reached or is full, and ' +
          '"shutting_down" from the moment the service starts to stop (SIGTERM, SIGINT); status "degraded" with 200 ' +
          'when it serves but lost data. `problems` says what is wrong.',
        tags: ['operations'],
        security: [],
        response: {
          200: HealthSchema,
          503: { ...HealthSchema, description: 'The store cannot be reached ("degraded"), or the service is shutting down' },
        },
      },
      config: { answersWhileClosing: true },
    },
    async (_request, reply) => {
      const problems = await app.postbacks.problems()
      const serving = !problems.some((p) => BLOCKING.has(p.code))
      const status: HealthStatus = app.shuttingDown() ? 'shutting_down' : serving && problems.length === 0 ? 'ok' : 'degraded'
      reply.status(status === 'shutting_down' || !serving ? 503 : 200)
      return {
        status,
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
