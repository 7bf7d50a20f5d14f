// Attaches Socket.IO to the app's HTTP server and decorates the app with the realtime service.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createTokenCheck } from '../../auth/api-token.js'
import { allowedOrigins, type Config } from '../../config.js'
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
  app.decorate('io', io)
  app.decorate('realtime', createRealtime(io))
  // Sockets go first so that the HTTP server can finish closing.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true)
    io.engine.close()
  })
}

export default fp(realtime, { name: 'realtime' })
