// Opens the stores STORE names (postbacks and destinations, sharing one file or one Redis) and
// decorates the app with them. The postbacks plugin closes them, after its deliveries drained.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { openStores, type Stores } from '../../stores/registry.js'

declare module 'fastify' {
  interface FastifyInstance {
    stores: Stores
  }
}

async function stores(app: FastifyInstance, { config }: { config: Config }) {
  app.decorate(
    'stores',
    await openStores(config, {
      warn: (message) => app.log.warn(message),
      error: (message) => app.log.error(message),
    }),
  )
}

export default fp(stores, { name: 'stores' })
