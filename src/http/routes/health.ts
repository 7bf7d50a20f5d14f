// GET /health: open to everyone, for load balancers and uptime checks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
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
  },
  {
    title: 'Health',
    examples: [{ status: 'ok', timestamp: '2024-01-15T10:30:00.000Z', uptime: 12.5, store: 'sqlite', version: '1.0.0' }],
  },
)

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Service health',
        description:
          'Open to everyone. 503 with status "degraded" when the store cannot be reached, and "shutting_down" from ' +
          'the moment the service starts to stop (SIGTERM, SIGINT).',
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
      const status: HealthStatus = app.shuttingDown() ? 'shutting_down' : (await app.postbacks.healthy()) ? 'ok' : 'degraded'
      reply.status(status === 'ok' ? 200 : 503)
      return {
        status,
        timestamp: new Date().toISOString(),
        uptime: process.uptime(),
        store: app.postbacks.storeKind,
        version: VERSION,
      }
    },
  )
}

export default healthRoutes
