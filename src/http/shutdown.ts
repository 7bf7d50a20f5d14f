// While the app closes (SIGTERM, SIGINT): /health says so at once, requests still arriving on
// connections that were already open are turned away with 503 SHUTTING_DOWN, and connections are
// closed as soon as they have nothing left to answer, so that none holds the server open.
import type { FastifyInstance } from 'fastify'
import { ShuttingDownError } from '../errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment close() starts. */
    shuttingDown(): boolean
  }
  interface FastifyContextConfig {
    /** The route answers on its own while the app closes (/health reports it). */
    answersWhileClosing?: boolean
  }
}

export function refuseWorkWhileClosing(app: FastifyInstance): void {
  let closing = false
  app.decorate('shuttingDown', () => closing)
  app.addHook('preClose', async () => {
    closing = true
  })
  // Callback hooks, not async ones: they run on every request, and a promise each costs throughput.
  app.addHook('onRequest', (request, _reply, done) => {
    if (closing && !request.routeOptions.config.answersWhileClosing) {
      return done(new ShuttingDownError('The service is shutting down; try again on another instance'))
    }
    done()
  })
  // close() closes the connections idle at that moment; these fall idle later, once answered.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (closing) setImmediate(() => app.server.closeIdleConnections())
    done()
  })
}
