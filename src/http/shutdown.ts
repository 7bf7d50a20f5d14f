// While the app closes (SIGTERM, SIGINT), requests still arriving on open connections are turned
// away with 503 SHUTTING_DOWN, so load balancers send them elsewhere.
import type { FastifyInstance } from 'fastify'
import { ShuttingDownError } from '../errors.js'

export function refuseWorkWhileClosing(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async () => {
    if (closing) throw new ShuttingDownError('The service is shutting down; try again on another instance')
  })
}
