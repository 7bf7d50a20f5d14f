// Decorates the app with the postback service and runs its deliveries for the app's lifetime.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { createHttpClient } from '../../postbacks/delivery/http-client.js'
import { createPostbackService, type PostbackService } from '../../postbacks/service.js'
import type { PostbackView } from '../../postbacks/types.js'
import { createStore } from '../../postbacks/stores/create-store.js'
import { USER_AGENT } from '../../version.js'

declare module 'fastify' {
  interface FastifyInstance {
    postbacks: PostbackService
  }
}

export interface PostbacksPluginOptions {
  config: Config
  /** How long attempts in flight may run on after close() before they are cut off. */
  drainMs: number
  onFinished?: (postback: PostbackView) => void
}

async function postbacks(app: FastifyInstance, { config, drainMs, onFinished }: PostbacksPluginOptions) {
  const service = createPostbackService({
    store: await createStore(config),
    http: createHttpClient({ connectionsPerOrigin: config.POSTBACK_CONCURRENCY }),
    userAgent: USER_AGENT,
    maxAttempts: config.POSTBACK_MAX_ATTEMPTS,
    backoffMs: config.POSTBACK_BACKOFF_MS,
    timeoutMs: config.POSTBACK_TIMEOUT_MS,
    concurrency: config.POSTBACK_CONCURRENCY,
    onError: (error) => app.log.error({ err: error }, 'postback consumer error'),
    ...(onFinished ? { onFinished } : {}),
  })
  app.decorate('postbacks', service)
  app.addHook('onReady', async () => service.start())
  app.addHook('onClose', async () => service.close(drainMs))
}

export default fp(postbacks, { name: 'postbacks' })
