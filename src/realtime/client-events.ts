// What a connected client may send: ping, message (echoed, relayed to its channel and reported
// to the backend), subscribe/unsubscribe and presence. Every payload is checked; a bad one gets an
// answer, never an exception.
import Compile from 'typebox/compile'
import { ForbiddenError, ValidationError, codes } from '../errors.js'
import { channelRefusal } from './channel-access.js'
import {
  ChannelRequestSchema,
  ClientMessageSchema,
  type ConnectionInfo,
  type LifecycleEvent,
  type PresenceAck,
  type SocketData,
  type SubscriptionAck,
} from './events.js'
import { isValidName } from './handshake.js'
import type { SocketMembership } from './membership/socket-membership.js'
import { roomForChannel, roomForChannelUser } from './rooms.js'
import { refusalOf } from './refusal.js'
import { PRESENCE_PREFIX, isPresenceChannel } from './schemas/presence.js'
import type { IoSocket } from './socket-server.js'

export interface ClientEventOptions {
  relay: boolean
  membership: SocketMembership
  onLifecycle?: (event: LifecycleEvent) => void
}

/** A socket may be in this many channels at once. */
export const MAX_CHANNELS_PER_SOCKET = 100
/** The most members a `presence` request lists. */
const PRESENCE_LISTED = 1000

const validMessage = Compile(ClientMessageSchema)
const validRequest = Compile(ChannelRequestSchema)

export const connectionInfo = (socketId: string, data: SocketData): ConnectionInfo => ({
  socketId,
  channel: data.channel,
  userId: data.userId,
  connectedAt: data.connectedAt,
  channels: data.channels,
})

const refusal = (error: unknown) => ({ ok: false as const, ...refusalOf(error) })

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
        error: codes.VALIDATION_ERROR,
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

  const { membership } = options
  answerWith(socket, 'subscribe', async (channel) => {
    const outOfScope = channelRefusal(socket.data, channel)
    if (outOfScope) return refusal(new ForbiddenError(outOfScope))
    const { data } = socket
    if (!data.channels.includes(channel)) {
      if (data.channels.length >= MAX_CHANNELS_PER_SOCKET) {
        return { ok: false, error: codes.TOO_MANY_CHANNELS, message: `a socket may be in at most ${MAX_CHANNELS_PER_SOCKET} channels` }
      }
      data.channels.push(channel)
      void socket.join([roomForChannel(channel), roomForChannelUser(channel, data.userId)])
      await membership.entered(socket, channel)
    }
    return { ok: true, channel }
  })

  answerWith(socket, 'unsubscribe', async (channel) => {
    const { data } = socket
    if (data.channels.includes(channel)) {
      data.channels = data.channels.filter((c) => c !== channel)
      void socket.leave(roomForChannel(channel))
      void socket.leave(roomForChannelUser(channel, data.userId))
      await membership.left(socket, channel)
    }
    return { ok: true, channel }
  })

  answerWith(socket, 'presence', async (channel): Promise<PresenceAck> => {
    if (!isPresenceChannel(channel)) {
      return refusal(new ValidationError(`channel "${channel}" is not a presence channel: its name must start with ${PRESENCE_PREFIX}`))
    }
    if (!socket.data.channels.includes(channel)) return refusal(new ForbiddenError(`only members of "${channel}" may ask who is in it`))
    const { members } = await membership.members(channel, PRESENCE_LISTED)
    return { ok: true, channel, members }
  })
}

/**
 * Answers a `{channel}` request through its ack: a malformed request, or a failure on the way (the
 * store unreachable), gets `{ok: false, error, message}`.
 */
function answerWith(
  socket: IoSocket,
  event: 'subscribe' | 'unsubscribe' | 'presence',
  handle: (channel: string) => Promise<SubscriptionAck | PresenceAck>,
): void {
  socket.on(event, (request: unknown, ack: unknown) => {
    const reply = (answer: SubscriptionAck | PresenceAck) => {
      if (typeof ack === 'function') (ack as (answer: SubscriptionAck | PresenceAck) => void)(answer)
    }
    if (!validRequest.Check(request) || !isValidName(request.channel)) {
      return reply(refusal(new ValidationError('expected {channel} with 1 to 200 characters and no control characters')))
    }
    handle(request.channel).then(reply, (error: unknown) => reply(refusal(error)))
  })
}
