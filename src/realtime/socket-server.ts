// The Socket.IO server: authenticates connections, puts each in its rooms and channels, throttles
// and answers client events, and reports connects and disconnects.
import { codes } from '../errors.js'
import type { Server as HttpServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import { connectionInfo, listenToClient } from './client-events.js'
import type {
  ClientToServerEvents,
  InterServerEvents,
  LifecycleEvent,
  ServerToClientEvents,
  SocketData,
} from './events.js'
import { ConnectionRefused, identify, type HandshakeAuth } from './handshake.js'
import type { SocketMembership } from './membership/socket-membership.js'
import { answerEvents } from './event-answers.js'
import { handshakeRefusal, payloadBounds } from './packet-bounds.js'
import { boundedSessionAdapter, type RecoveryBounds } from './recovery.js'
import { roomsOf } from './rooms.js'
import { createSeats } from './seats.js'
import { rateLimit } from './throttle.js'

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

export interface SocketServerOptions {
  path: string
  corsOrigin: true | string[]
  auth: HandshakeAuth
  /** larger client messages close the connection */
  maxPayloadBytes: number
  /** events a client may send per second (bursts up to twice that); more are dropped */
  eventsPerSecond: number
  /** relay client messages to the rest of the sender's channel */
  relay: boolean
  /** a client back within `windowMs` gets what it missed, within bounds; a window of 0 turns recovery off */
  recovery: RecoveryBounds
  /** sockets one user may hold on this instance; more are refused */
  maxSocketsPerUser: number
  /** presence and occupancy: told of every socket entering and leaving a channel */
  membership: SocketMembership
  /** runs once a socket is connected and in its channels (the inbox replays its user's messages) */
  onConnected?: (socket: IoSocket) => Promise<void>
  onLifecycle?: (event: LifecycleEvent) => void
}

export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): IoServer {
  const io: IoServer = new Server(httpServer, {
    path: options.path,
    // /socket.io/socket.io.js: the browser client, for pages that use no bundler.
    serveClient: true,
    cors: { origin: options.corsOrigin, credentials: true },
    maxHttpBufferSize: options.maxPayloadBytes,
    ...(options.recovery.windowMs > 0
      ? {
          connectionStateRecovery: { maxDisconnectionDuration: options.recovery.windowMs, skipMiddlewares: true },
          adapter: boundedSessionAdapter(options.recovery),
        }
      : {}),
  })

  io.use((socket, next) => next(handshakeRefusal(socket.handshake)))
  io.use((socket, next) => {
    identify(socket.handshake, options.auth).then(
      ({ allowedChannels, ...identity }) => {
        socket.data = {
          ...identity,
          connectedAt: new Date().toISOString(),
          channels: [identity.channel],
          ...(allowedChannels ? { allowedChannels } : {}),
        }
        next()
      },
      (error: unknown) =>
        next(error instanceof ConnectionRefused ? error : new ConnectionRefused(codes.UNAUTHORIZED, 'Connection refused')),
    )
  })

  // Last: a socket refused after taking its seat would hold it until its connection closes.
  const seats = createSeats(options.maxSocketsPerUser)
  io.use((socket, next) => next(seats.take(socket)))

  io.on('connection', (socket) => {
    // A recovered connection skips the handshake (and gets its rooms and data back from Socket.IO).
    if (socket.recovered) {
      const refused = seats.take(socket)
      if (refused) {
        // Written at once: in a cluster, socket.emit would reach the socket only after Redis answered.
        io.local.to(socket.id).emit('error', refused.data)
        socket.disconnect()
        return
      }
    } else void socket.join(roomsOf(socket.data.channel, socket.data.userId))
    const events = answerEvents(socket, [rateLimit(options.eventsPerSecond), payloadBounds(options.maxPayloadBytes)])
    listenToClient(socket, events, options)
    options.onLifecycle?.({ event: 'socket.connected', socket: connectionInfo(socket.id, socket.data) })
    socket.on('disconnect', (reason) => {
      void options.membership.gone(socket)
      options.onLifecycle?.({ event: 'socket.disconnected', socket: connectionInfo(socket.id, socket.data), reason })
    })
    void welcome(socket, options)
  })

  return io
}

/**
 * Enters the socket's channels (so that a `presence` request right after `connected` lists its
 * user), says `connected`, then runs what follows a connect.
 */
async function welcome(socket: IoSocket, options: SocketServerOptions): Promise<void> {
  await Promise.all(socket.data.channels.map((channel) => options.membership.entered(socket, channel)))
  if (socket.disconnected) return
  socket.emit('connected', connectionInfo(socket.id, socket.data))
  await options.onConnected?.(socket)
}
