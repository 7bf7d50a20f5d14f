// Attaches Socket.IO to the app's HTTP server (joined to the cluster when STORE=redis) and
// decorates the app with the realtime service.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createTokenCheck } from '../../auth/api-token.js'
import { allowedOrigins, type Config } from '../../config.js'
import { joinCluster, localPresence } from '../../realtime/cluster.js'
import { createRealtime, type Realtime } from '../../realtime/realtime.js'
import { createSocketServer, type IoServer } from '../../realtime/socket-server.js'

declare module 'fastify' {
  interface FastifyInstance {
    io: IoServer
    realtime: Realtime
  }
}

async function realtime(app: FastifyInstance, { config }: { config: Config }) {
  const io = createSocketServer(app.server, {
    path: config.SOCKET_PATH,
    corsOrigin: allowedOrigins(config),
    checkToken: createTokenCheck(config.API_TOKEN),
  })
  const presence =
    config.STORE === 'redis' ? joinCluster(io, { url: config.REDIS_URL, prefix: config.REDIS_PREFIX }) : localPresence(io)
  app.decorate('io', io)
  app.decorate('realtime', createRealtime(io, presence))
  // Sockets go first so that the HTTP server can finish closing.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true)
    io.engine.close()
  })
  app.addHook('onClose', () => presence.close())
}

export default fp(realtime, { name: 'realtime' })
