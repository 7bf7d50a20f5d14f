// GET /metrics: Prometheus text format (needs the API token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { apiErrors } from '../schemas.js'

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.metrics.watch({
    queueCounts: async () => (await app.postbacks.stats()).counts,
    problems: () => app.postbacks.problems(),
    deliveriesInFlight: () => app.postbacks.inFlight(),
    destinations: () => app.postbacks.destinations(),
    socketsConnected: () => app.io.of('/').sockets.size,
  })
  app.metrics.destinations.watch({
    states: async () => (await app.destinations.list()).map(({ destination, state }) => ({ destination, state })),
  })

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: {
              'text/plain': {
                schema: Type.String({ examples: ['# TYPE qsp_postbacks_enqueued_total counter\nqsp_postbacks_enqueued_total 42'] }),
              },
            },
          },
          401: apiErrors[401],
          503: apiErrors[503],
        },
      },
    },
    async (_request, reply) => {
      reply.type(app.metrics.registry.contentType)
      return app.metrics.registry.metrics()
    },
  )
}

export default metricsRoutes
