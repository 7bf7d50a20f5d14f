// Both directions of the socket protocol, typed in one place, with the schemas that check what
// clients send.
import Type, { type Static } from 'typebox'
import { NAME_MAX_LENGTH } from './handshake.js'

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
}

export interface ConnectionInfo {
  socketId: string
  channel: string
  userId: string
  connectedAt: string
  channels: string[]
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

export const SubscriptionSchema = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }),
})

export interface SocketErrorPayload {
  error: string
  message: string
}

export type SubscriptionAck = { ok: true; channel: string } | { ok: false; error: string; message: string }

export interface ClientToServerEvents {
  ping: (ack?: (pong: { timestamp: string }) => void) => void
  message: (message: ClientMessage) => void
  subscribe: (request: { channel: string }, ack?: (answer: SubscriptionAck) => void) => void
  unsubscribe: (request: { channel: string }, ack?: (answer: SubscriptionAck) => void) => void
}

export interface ServerToClientEvents {
  connected: (info: ConnectionInfo) => void
  pong: (pong: { timestamp: string }) => void
  'message-received': (receipt: { originalMessage: DispatchedMessage; receivedAt: string }) => void
  message: (message: RelayedMessage) => void
  error: (error: SocketErrorPayload) => void
}

/** Between the instances of a cluster. */
export interface InterServerEvents {
  'room-size': (room: string, answer: (count: number) => void) => void
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
