// Attaches Socket.IO to the app's HTTP server (joined to the cluster with SOCKET_ADAPTER=redis) and
// decorates the app with the realtime service, client tokens and socket lifecycle events.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createTokenCheck } from '../../auth/api-token.js'
import { clientTokenKey, createClientTokens, type ClientTokens } from '../../auth/client-tokens.js'
import { allowedOrigins, type Config } from '../../config.js'
import { joinCluster, localPresence } from '../../realtime/cluster.js'
import type { LifecycleEvent } from '../../realtime/events.js'
import { createRealtime, type Realtime } from '../../realtime/realtime.js'
import { socketAdapterOf } from '../../stores/registry.js'
import { createSocketServer, type IoServer } from '../../realtime/socket-server.js'

declare module 'fastify' {
  interface FastifyInstance {
    io: IoServer
    realtime: Realtime
    clientTokens: ClientTokens
    /** Registers a listener for socket connects, disconnects and messages. */
    onSocketLifecycle(listener: (event: LifecycleEvent) => void): void
  }
}

async function realtime(app: FastifyInstance, { config }: { config: Config }) {
  const clientTokens = createClientTokens(clientTokenKey(config.API_TOKEN, config.SOCKET_TOKEN_SECRET))
  const listeners: ((event: LifecycleEvent) => void)[] = []
  const io = createSocketServer(app.server, {
    path: config.SOCKET_PATH,
    corsOrigin: allowedOrigins(config),
    auth: { checkApiToken: createTokenCheck(config.API_TOKEN), clientTokens },
    maxPayloadBytes: config.SOCKET_MAX_PAYLOAD_BYTES,
    eventsPerSecond: config.SOCKET_EVENTS_PER_SECOND,
    relay: config.SOCKET_RELAY,
    recoveryMs: config.SOCKET_RECOVERY_MS,
    onLifecycle: (event) => {
      for (const listener of listeners) listener(event)
    },
  })
  const presence =
    socketAdapterOf(config) === 'redis' ? joinCluster(io, { url: config.REDIS_URL, prefix: config.REDIS_PREFIX }) : localPresence(io)
  app.decorate('io', io)
  app.decorate('realtime', createRealtime(io, presence, app.metrics.dispatchObserver))
  app.decorate('clientTokens', clientTokens)
  app.decorate('onSocketLifecycle', (listener: (event: LifecycleEvent) => void) => void listeners.push(listener))
  // Sockets go first so that the HTTP server can finish closing.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true)
    io.engine.close()
  })
  app.addHook('onClose', () => presence.close())
}

export default fp(realtime, { name: 'realtime', dependencies: ['metrics'] })
