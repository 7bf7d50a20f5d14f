// Decorates the app with the destinations service (SPEC §7).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { createDestinationService, type DestinationService } from '../../destinations/service.js'
import { globalSecretsOf } from '../../postbacks/delivery/signing.js'

declare module 'fastify' {
  interface FastifyInstance {
    destinations: DestinationService
  }
}

async function destinations(app: FastifyInstance, { config }: { config: Config }) {
  app.decorate(
    'destinations',
    createDestinationService({
      store: app.stores.destinations,
      globalSecrets: globalSecretsOf(config.POSTBACK_SIGNING_SECRET),
      graceMs: config.SIGNING_ROTATION_GRACE_MS,
      onEvent: (event) => app.operations.destinationChanged(event),
    }),
  )
}

export default fp(destinations, { name: 'destinations', dependencies: ['stores', 'operations'] })
