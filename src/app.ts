// buildApp(config): the whole service as a Fastify instance that has not started listening.
import type { LookupFunction } from 'node:net'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { allowedOrigins, type Config } from './config.js'
import { requireApiToken } from './http/auth.js'
import errorHandling from './http/error-handler.js'
import postbacks from './http/plugins/postbacks.js'
import realtime from './http/plugins/realtime.js'
import socketWebhooks from './http/plugins/socket-webhooks.js'
import healthRoutes from './http/routes/health.js'
import postbackRoutes from './http/routes/postbacks.js'
import socketRoutes from './http/routes/sockets.js'
import { createValidatorCompiler } from './http/validator.js'
import { DebugRequestLog, loggerOptions } from './logger.js'

export interface BuildOptions {
  /** Overrides the logger built from the config (tests pass false or their own stream). */
  logger?: FastifyServerOptions['logger']
  /** How long deliveries in flight may finish after close() starts; the rest resume after restart. */
  drainMs?: number
  /** Resolves postback destination hostnames (the system resolver by default). */
  lookup?: LookupFunction
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.BODY_LIMIT_BYTES,
    logController: new DebugRequestLog(),
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())
  // Bodies are JSON only; anything else is answered 415.
  app.removeContentTypeParser('text/plain')
  await app.register(errorHandling)
  await app.register(helmet)
  await app.register(cors, { origin: allowedOrigins(config), credentials: true })
  await app.register(realtime, { config })
  await app.register(postbacks, {
    config,
    drainMs: options.drainMs ?? 10_000,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  })
  await app.register(socketWebhooks, { config })

  await app.register(healthRoutes)
  await app.register(
    async (api) => {
      requireApiToken(api, config.API_TOKEN)
      await api.register(postbackRoutes)
      await api.register(socketRoutes)
    },
    { prefix: '/api' },
  )
  return app
}
