// Both directions of the socket protocol, typed in one place, with the schemas that check what
// clients send.
import Type, { type Static } from 'typebox'
import { NAME_MAX_LENGTH } from './handshake.js'
import type { ConnectionInfo } from './schemas/connections.js'
import type { InboxMessage } from './schemas/inbox.js'
import type { Member, PresenceJoined, PresenceLeft } from './schemas/presence.js'

export type { ConnectionInfo }

/** What the server knows about each connection. */
export interface SocketData {
  /** the channel given when connecting */
  channel: string
  userId: string
  connectedAt: string
  /** every channel the socket is in: the first one and those it subscribed to */
  channels: string[]
  /** the channels its client token allows; absent for the API token */
  allowedChannels?: string[]
  /** which token it connected with: the API token may do more (the `$ops` channel) */
  tokenKind: 'api' | 'client'
  /** what presence channels show about it: its client token's info, or auth.info for the API token */
  info: Record<string, unknown> | null
}

/** The body of every dispatched event. */
export interface DispatchedMessage {
  event: string
  data: unknown
  timestamp: string
}

export interface RelayedMessage extends DispatchedMessage {
  from: { userId: string; socketId: string }
}

export const ClientMessageSchema = Type.Object({
  event: Type.String({ minLength: 1, maxLength: 200 }),
  data: Type.Optional(Type.Unknown()),
})
export type ClientMessage = Static<typeof ClientMessageSchema>

/** `subscribe`, `unsubscribe` and `presence` name one channel. */
export const ChannelRequestSchema = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }),
})
export type ChannelRequest = Static<typeof ChannelRequestSchema>

export interface SocketErrorPayload {
  error: string
  message: string
}

type Refusal = { ok: false; error: string; message: string }

export type SubscriptionAck = { ok: true; channel: string } | Refusal

export type PresenceAck = { ok: true; channel: string; members: Member[] } | Refusal

export type MessageAck = { ok: true; receivedAt: string } | Refusal

/** What the ack of each client event is answered; a refused event's ack gets a Refusal. */
export interface ClientAnswers {
  ping: { timestamp: string }
  message: MessageAck
  subscribe: SubscriptionAck
  unsubscribe: SubscriptionAck
  presence: PresenceAck
}

export interface ClientToServerEvents {
  ping: (ack?: (pong: ClientAnswers['ping']) => void) => void
  message: (message: ClientMessage, ack?: (answer: ClientAnswers['message']) => void) => void
  subscribe: (request: ChannelRequest, ack?: (answer: ClientAnswers['subscribe']) => void) => void
  unsubscribe: (request: ChannelRequest, ack?: (answer: ClientAnswers['unsubscribe']) => void) => void
  presence: (request: ChannelRequest, ack?: (answer: ClientAnswers['presence']) => void) => void
}

export interface ServerToClientEvents {
  connected: (info: ConnectionInfo) => void
  pong: (pong: { timestamp: string }) => void
  'message-received': (receipt: { originalMessage: DispatchedMessage; receivedAt: string }) => void
  message: (message: RelayedMessage) => void
  error: (error: SocketErrorPayload) => void
  'presence.joined': (joined: PresenceJoined) => void
  'presence.left': (left: PresenceLeft) => void
}

/** Which sockets a count or a delivery is about: the union of `rooms`, less one socket. */
export interface RoomSelection {
  rooms: string[]
  except?: string
}

/** Between the instances of a cluster. */
export interface InterServerEvents {
  'room-size': (selection: RoomSelection, answer: (count: number) => void) => void
  /** a durable message: each instance hands it to its own sockets of those users, with an ack callback */
  'inbox-deliver': (delivery: { selection: RoomSelection; message: InboxMessage }) => void
}

/** What happens on the sockets, for the backend (SOCKET_WEBHOOK_URL). */
export type LifecycleEvent =
  | { event: 'socket.connected'; socket: ConnectionInfo }
  | { event: 'socket.disconnected'; socket: ConnectionInfo; reason: string }
  | { event: 'socket.message'; socket: ConnectionInfo; message: ClientMessage }

/**
 * Event names a dispatch may not use (SPEC §9): those the service itself sends, which a fake
 * would let a backend impersonate, and those Socket.IO keeps for itself, which would throw or
 * confuse clients. `message` stays allowed: seed clients listen to it.
 */
export const RESERVED_EVENTS = new Set([
  'connected',
  'message-received',
  'pong',
  'error',
  'presence.joined',
  'presence.left',
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
])
