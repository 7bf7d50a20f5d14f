// Decorates the app with the postback service and runs its deliveries for the app's lifetime.
import type { LookupFunction } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { logFailedAttempts } from '../../ops/attempt-log.js'
import { createHttpClient } from '../../postbacks/delivery/http-client.js'
import { createSigning, globalSecretsOf } from '../../postbacks/delivery/signing.js'
import { createPostbackService, type PostbackService } from '../../postbacks/service.js'
import { USER_AGENT } from '../../version.js'

declare module 'fastify' {
  interface FastifyInstance {
    postbacks: PostbackService
  }
}

export interface PostbacksPluginOptions {
  config: Config
  /** How long attempts in flight may run on after close() starts before they are cut off. */
  drainMs: number
  /** resolves destination hostnames (the system resolver by default) */
  lookup?: LookupFunction
}

async function postbacks(app: FastifyInstance, { config, drainMs, lookup }: PostbacksPluginOptions) {
  const blockPrivateNetworks = !config.POSTBACK_ALLOW_PRIVATE_NETWORKS
  const service = createPostbackService({
    store: app.stores.postbacks,
    http: createHttpClient({
      connectionsPerOrigin: config.POSTBACK_CONCURRENCY,
      blockPrivateNetworks,
      ...(lookup ? { lookup } : {}),
    }),
    rules: {
      maxAttempts: config.POSTBACK_MAX_ATTEMPTS,
      timeoutMs: config.POSTBACK_TIMEOUT_MS,
      maxAttemptsLimit: config.POSTBACK_MAX_ATTEMPTS_LIMIT,
      timeoutLimitMs: config.POSTBACK_TIMEOUT_LIMIT_MS,
      blockPrivateNetworks,
    },
    userAgent: USER_AGENT,
    backoffMs: config.POSTBACK_BACKOFF_MS,
    signingWaitMs: config.DESTINATION_PROBE_MS,
    concurrency: config.POSTBACK_CONCURRENCY,
    signing: createSigning({
      globalSecrets: globalSecretsOf(config.POSTBACK_SIGNING_SECRET),
      graceMs: config.SIGNING_ROTATION_GRACE_MS,
      onUnusableSecret: (destination) =>
        app.log.error({ destination }, 'the stored signing secret of a destination does not decode and is skipped; set a new one'),
    }),
    notify: (target, postback) => {
      app.realtime.dispatch(target, `postback.${postback.status}`, postback).catch((error: unknown) => {
        app.log.warn({ err: error, postbackId: postback.id }, 'postback notification failed')
      })
    },
    // The operations plugin is registered after this one; these run only once deliveries start.
    operations: { listening: () => app.operations.listening(), postbackEnded: (postback) => app.operations.postbackEnded(postback) },
    onDestinationEvent: (event) => app.operations.destinationChanged(event),
    observer: logFailedAttempts(app.metrics.postbackObserver, app.log),
    onError: (error) => app.log.error({ err: error }, 'postback consumer error'),
  })
  app.decorate('postbacks', service)
  app.addHook('onReady', async () => service.start())
  // The drain time counts from the start of closing, not from when the requests under way are done.
  let closingSince = 0
  app.addHook('preClose', async () => {
    closingSince = Date.now()
  })
  app.addHook('onClose', async () => service.close(Math.max(0, drainMs - (Date.now() - closingSince))))
}

export default fp(postbacks, { name: 'postbacks', dependencies: ['realtime', 'metrics', 'stores'] })
