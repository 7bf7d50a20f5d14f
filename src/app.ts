// buildApp(config): the whole service as a Fastify instance that has not started listening.
import type { LookupFunction } from 'node:net'
import cors from '@fastify/cors'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { allowedOrigins, type Config } from './config.js'
import { requireApiToken } from './http/auth.js'
import errorHandling from './http/error-handler.js'
import { clientErrorHandler, frameworkErrors } from './http/framework-errors.js'
import { parseJsonBodies } from './http/json-body.js'
import { refuseMalformedPreflights } from './http/preflight.js'
import docs from './http/plugins/docs.js'
import metrics from './http/plugins/metrics.js'
import postbacks from './http/plugins/postbacks.js'
import realtime from './http/plugins/realtime.js'
import socketWebhooks from './http/plugins/socket-webhooks.js'
import destinations from './http/plugins/destinations.js'
import operations from './http/plugins/operations.js'
import stores from './http/plugins/stores.js'
import dashboardRoutes from './http/routes/dashboard.js'
import destinationRoutes from './http/routes/destinations.js'
import healthRoutes from './http/routes/health.js'
import metricsRoutes from './http/routes/metrics.js'
import postbackRoutes from './http/routes/postbacks.js'
import queueRoutes from './http/routes/queue.js'
import socketRoutes from './http/routes/sockets.js'
import securityHeaders from './http/security-headers.js'
import { refuseWorkWhileClosing } from './http/shutdown.js'
import { slowClientTimeouts } from './http/slow-clients.js'
import { createValidatorCompiler } from './http/validator.js'
import { schemaErrorFormatter } from './http/validation-messages.js'
import { DebugRequestLog, loggerOptions } from './logger.js'

export interface BuildOptions {
  /** Overrides the logger built from the config (tests pass false or their own stream). */
  logger?: FastifyServerOptions['logger']
  /** How long deliveries in flight may finish after close() starts (SHUTDOWN_TIMEOUT_MS by default). */
  drainMs?: number
  /** Resolves postback destination hostnames (the system resolver by default). */
  lookup?: LookupFunction
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Destinations and channel names travel in paths (URL-encoded).
    routerOptions: { maxParamLength: 1024 },
    logController: new DebugRequestLog(),
    // Our own 503 SHUTTING_DOWN (refuseWorkWhileClosing) keeps the error shape.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
    schemaErrorFormatter,
    ...slowClientTimeouts(config),
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())
  // Bodies are JSON only; anything else is answered 415.
  app.removeContentTypeParser('text/plain')
  parseJsonBodies(app)
  await app.register(errorHandling)
  refuseWorkWhileClosing(app)
  await app.register(securityHeaders)
  refuseMalformedPreflights(app)
  await app.register(cors, {
    origin: allowedOrigins(config),
    credentials: true,
    // PATCH changes a destination, DELETE cancels a postback or a secret; browsers must also be
    // allowed to read the paging header.
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders: ['Link'],
  })
  await app.register(docs)
  await app.register(metrics)
  await app.register(stores, { config })
  await app.register(realtime, { config })
  await app.register(postbacks, {
    config,
    drainMs: options.drainMs ?? config.SHUTDOWN_TIMEOUT_MS,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  })
  await app.register(operations, { config })
  await app.register(destinations, { config })
  await app.register(socketWebhooks, { config })

  await app.register(healthRoutes)
  await app.register(dashboardRoutes)
  await app.register(async (protectedRoutes) => {
    requireApiToken(protectedRoutes, config.API_TOKEN)
    await protectedRoutes.register(metricsRoutes)
    await protectedRoutes.register(
      async (api) => {
        await api.register(postbackRoutes)
        await api.register(queueRoutes)
        await api.register(socketRoutes)
        await api.register(destinationRoutes)
      },
      { prefix: '/api' },
    )
  })
  return app
}
