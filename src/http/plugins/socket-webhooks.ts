// SOCKET_WEBHOOK_URL: socket connects, disconnects and messages, and channels filling and
// emptying, are queued as postbacks to the backend, so they are as durable, signed and retried as
// any postback.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError, type Config } from '../../config.js'
import type { LifecycleEvent } from '../../realtime/events.js'

async function socketWebhooks(app: FastifyInstance, { config }: { config: Config }) {
  const postbackUrl = config.SOCKET_WEBHOOK_URL
  if (postbackUrl === undefined) return
  try {
    app.postbacks.validate({ postbackUrl, payload: {} })
  } catch (error) {
    throw new ConfigError(`Invalid SOCKET_WEBHOOK_URL: ${(error as Error).message}`)
  }
  app.onSocketLifecycle((event: LifecycleEvent) => {
    const payload = { ...event, timestamp: new Date().toISOString() }
    app.postbacks.enqueue({ postbackUrl, payload }).catch((error: unknown) => {
      app.log.warn({ err: error, event: event.event, socketId: event.socket.socketId }, 'socket webhook not queued')
    })
  })
  // Each change reaches one instance, and again if queuing failed or that instance died first: the
  // idempotency key makes a repeat queue nothing. The ordering key keeps a retried `vacated` from
  // landing after the next `occupied`.
  app.onChannelOccupancy(async ({ id, event, channel, at }) => {
    const payload = { event, timestamp: new Date(at).toISOString(), channel }
    await app.postbacks.enqueue({ postbackUrl, payload, orderingKey: `channel:${channel}`, idempotencyKey: `occupancy:${id}` })
  })
}

export default fp(socketWebhooks, { name: 'socket-webhooks', dependencies: ['realtime', 'postbacks'] })
