// GET /health: open to everyone, for load balancers and uptime checks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { VERSION } from '../../version.js'

const HealthSchema = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded']),
    timestamp: Type.String({ format: 'date-time' }),
    uptime: Type.Number({ description: 'seconds since the process started' }),
    store: Type.String({ examples: ['sqlite'] }),
    version: Type.String(),
  },
  { title: 'Health' },
)

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    { schema: { summary: 'Service health', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const healthy = await app.postbacks.healthy()
      reply.status(healthy ? 200 : 503)
      return {
        status: healthy ? ('ok' as const) : ('degraded' as const),
        timestamp: new Date().toISOString(),
        uptime: process.uptime(),
        store: app.postbacks.storeKind,
        version: VERSION,
      }
    },
  )
}

export default healthRoutes
