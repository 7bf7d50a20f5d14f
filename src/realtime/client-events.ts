// What a connected client may send: ping, message (echoed, relayed to its channel and reported
// to the backend) and subscribe/unsubscribe. Every payload is checked; a bad one gets an answer,
// never an exception.
import Compile from 'typebox/compile'
import {
  ClientMessageSchema,
  SubscriptionSchema,
  type ConnectionInfo,
  type LifecycleEvent,
  type SocketData,
  type SubscriptionAck,
} from './events.js'
import { channelRefusal, isValidName } from './handshake.js'
import { roomForChannel, roomForChannelUser } from './rooms.js'
import type { IoSocket } from './socket-server.js'

export interface ClientEventOptions {
  relay: boolean
  onLifecycle?: (event: LifecycleEvent) => void
}

/** A socket may be in this many channels at once. */
export const MAX_CHANNELS_PER_SOCKET = 100

const validMessage = Compile(ClientMessageSchema)
const validSubscription = Compile(SubscriptionSchema)

export const connectionInfo = (socketId: string, data: SocketData): ConnectionInfo => ({
  socketId,
  channel: data.channel,
  userId: data.userId,
  connectedAt: data.connectedAt,
  channels: data.channels,
})

export function listenToClient(socket: IoSocket, options: ClientEventOptions): void {
  socket.on('ping', (ack) => {
    const pong = { timestamp: new Date().toISOString() }
    socket.emit('pong', pong)
    if (typeof ack === 'function') ack(pong)
  })

  socket.on('message', (message: unknown) => {
    const receivedAt = new Date().toISOString()
    if (!validMessage.Check(message)) {
      socket.emit('error', {
        error: 'VALIDATION_ERROR',
        message: 'message must be an object {event, data} with a non-empty string event of at most 200 characters',
      })
      return
    }
    const original = { event: message.event, data: message.data, timestamp: receivedAt }
    socket.emit('message-received', { originalMessage: original, receivedAt })
    if (options.relay) {
      socket.to(roomForChannel(socket.data.channel)).emit('message', {
        ...original,
        from: { userId: socket.data.userId, socketId: socket.id },
      })
    }
    options.onLifecycle?.({
      event: 'socket.message',
      socket: connectionInfo(socket.id, socket.data),
      message: { event: message.event, data: message.data },
    })
  })

  socket.on('subscribe', (request: unknown, ack: unknown) => answer(ack, subscribe(socket, request)))
  socket.on('unsubscribe', (request: unknown, ack: unknown) => answer(ack, unsubscribe(socket, request)))
}

function subscribe(socket: IoSocket, request: unknown): SubscriptionAck {
  const channel = requestedChannel(request)
  if (typeof channel !== 'string') return channel
  const { data } = socket
  const outOfScope = channelRefusal(data.allowedChannels, channel)
  if (outOfScope) return refusal('FORBIDDEN', outOfScope)
  if (!data.channels.includes(channel)) {
    if (data.channels.length >= MAX_CHANNELS_PER_SOCKET) {
      return refusal('TOO_MANY_CHANNELS', `a socket may be in at most ${MAX_CHANNELS_PER_SOCKET} channels`)
    }
    data.channels.push(channel)
    socket.join([roomForChannel(channel), roomForChannelUser(channel, data.userId)])
  }
  return { ok: true, channel }
}

function unsubscribe(socket: IoSocket, request: unknown): SubscriptionAck {
  const channel = requestedChannel(request)
  if (typeof channel !== 'string') return channel
  const { data } = socket
  data.channels = data.channels.filter((c) => c !== channel)
  socket.leave(roomForChannel(channel))
  socket.leave(roomForChannelUser(channel, data.userId))
  return { ok: true, channel }
}

function requestedChannel(request: unknown): string | SubscriptionAck {
  if (!validSubscription.Check(request) || !isValidName(request.channel)) {
    return refusal('VALIDATION_ERROR', 'expected {channel} with 1 to 200 characters and no control characters')
  }
  return request.channel
}

const refusal = (error: string, message: string): SubscriptionAck => ({ ok: false, error, message })

function answer(ack: unknown, result: SubscriptionAck): void {
  if (typeof ack === 'function') ack(result)
}
