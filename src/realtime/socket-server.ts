// The Socket.IO server: authenticates connections, puts each in its rooms and answers the
// client events of the protocol.
import type { Server as HttpServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import Compile from 'typebox/compile'
import type { TokenCheck } from '../auth/api-token.js'
import {
  ClientMessageSchema,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js'
import { ConnectionRefused, nameOf, tokenOf } from './handshake.js'
import { roomsOf } from './rooms.js'

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

export interface SocketServerOptions {
  path: string
  corsOrigin: true | string[]
  checkToken: TokenCheck
}

const validMessage = Compile(ClientMessageSchema)

export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): IoServer {
  const io: IoServer = new Server(httpServer, {
    path: options.path,
    serveClient: false,
    cors: { origin: options.corsOrigin, credentials: true },
  })

  io.use((socket, next) => {
    const { handshake } = socket
    if (!options.checkToken(tokenOf(handshake))) {
      return next(new ConnectionRefused('UNAUTHORIZED', 'A valid token is required to connect'))
    }
    try {
      socket.data = {
        channel: nameOf(handshake, 'channel'),
        userId: nameOf(handshake, 'userId'),
        connectedAt: new Date().toISOString(),
      }
    } catch (error) {
      return next(error as Error)
    }
    next()
  })

  io.on('connection', (socket) => {
    const { channel, userId } = socket.data
    socket.join(roomsOf(channel, userId))
    socket.emit('connected', { socketId: socket.id, ...socket.data })
    socket.on('ping', (ack) => onPing(socket, ack))
    socket.on('message', (message) => onMessage(socket, message))
  })

  return io
}

function onPing(socket: IoSocket, ack: unknown): void {
  const pong = { timestamp: new Date().toISOString() }
  socket.emit('pong', pong)
  if (typeof ack === 'function') ack(pong)
}

function onMessage(socket: IoSocket, message: unknown): void {
  const receivedAt = new Date().toISOString()
  if (!validMessage.Check(message)) {
    socket.emit('error', {
      error: 'VALIDATION_ERROR',
      message: 'message must be an object {event, data} with a non-empty string event of at most 200 characters',
    })
    return
  }
  socket.emit('message-received', {
    originalMessage: { event: message.event, data: message.data, timestamp: receivedAt },
    receivedAt,
  })
}
