// What a connected client may send: ping, message (echoed, relayed to its channel and reported
// to the backend), subscribe/unsubscribe and presence. Every payload is checked; a bad one gets an
// answer, never an exception (and an ack always gets one: event-answers.ts).
import Compile from 'typebox/compile'
import { ForbiddenError, ValidationError, codes } from '../errors.js'
import { channelRefusal } from './channel-access.js'
import type { EventAnswers } from './event-answers.js'
import {
  ChannelRequestSchema,
  ClientMessageSchema,
  type ClientAnswers,
  type ConnectionInfo,
  type LifecycleEvent,
  type SocketData,
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

const MALFORMED_MESSAGE = 'message must be an object {event, data} with a non-empty string event of at most 200 characters'

export function listenToClient(socket: IoSocket, events: EventAnswers, options: ClientEventOptions): void {
  events.on('ping', async () => {
    const pong = { timestamp: new Date().toISOString() }
    socket.emit('pong', pong)
    return pong
  })

  events.on('message', async ([message]) => {
    const receivedAt = new Date().toISOString()
    if (!validMessage.Check(message)) {
      const malformed = { error: codes.VALIDATION_ERROR, message: MALFORMED_MESSAGE }
      socket.emit('error', malformed)
      return { ok: false, ...malformed }
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
    return { ok: true, receivedAt }
  })

  const { membership } = options
  const channelRequest = channelRequestOf(events)
  channelRequest('subscribe', async (channel) => {
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

  channelRequest('unsubscribe', async (channel) => {
    const { data } = socket
    if (data.channels.includes(channel)) {
      data.channels = data.channels.filter((c) => c !== channel)
      void socket.leave(roomForChannel(channel))
      void socket.leave(roomForChannelUser(channel, data.userId))
      await membership.left(socket, channel)
    }
    return { ok: true, channel }
  })

  channelRequest('presence', async (channel) => {
    if (!isPresenceChannel(channel)) {
      return refusal(new ValidationError(`channel "${channel}" is not a presence channel: its name must start with ${PRESENCE_PREFIX}`))
    }
    if (!socket.data.channels.includes(channel)) return refusal(new ForbiddenError(`only members of "${channel}" may ask who is in it`))
    const { members } = await membership.members(channel, PRESENCE_LISTED)
    return { ok: true, channel, members }
  })
}

/** Handles a `{channel}` request: a malformed one is answered `{ok: false}` before `handle` runs. */
function channelRequestOf(events: EventAnswers) {
  return <E extends 'subscribe' | 'unsubscribe' | 'presence'>(event: E, handle: (channel: string) => Promise<ClientAnswers[E]>) =>
    events.on(event, async ([request]) => {
      if (!validRequest.Check(request) || !isValidName(request.channel)) {
        return refusal(new ValidationError('expected {channel} with 1 to 200 characters and no control characters'))
      }
      return handle(request.channel)
    })
}
