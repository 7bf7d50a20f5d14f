// Decorates the app with its Prometheus metrics; the postback and realtime plugins report to it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createMetrics, type Metrics } from '../../ops/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

async function metrics(app: FastifyInstance) {
  app.decorate('metrics', createMetrics())
}

export default fp(metrics, { name: 'metrics' })
