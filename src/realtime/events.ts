// Both directions of the socket protocol, typed in one place, with the schemas that check what
// clients send.
import Type, { type Static } from 'typebox'

/** What the server knows about each connection. */
export interface SocketData {
  channel: string
  userId: string
  connectedAt: string
}

export interface ConnectionInfo extends SocketData {
  socketId: string
}

/** The body of every dispatched event. */
export interface DispatchedMessage {
  event: string
  data: unknown
  timestamp: string
}

export const ClientMessageSchema = Type.Object({
  event: Type.String({ minLength: 1, maxLength: 200 }),
  data: Type.Optional(Type.Unknown()),
})
export type ClientMessage = Static<typeof ClientMessageSchema>

export interface SocketErrorPayload {
  error: string
  message: string
}

export interface ClientToServerEvents {
  ping: (ack?: (pong: { timestamp: string }) => void) => void
  message: (message: ClientMessage) => void
}

export interface ServerToClientEvents {
  connected: (info: ConnectionInfo) => void
  pong: (pong: { timestamp: string }) => void
  'message-received': (receipt: { originalMessage: DispatchedMessage; receivedAt: string }) => void
  error: (error: SocketErrorPayload) => void
}

/** Between the instances of a cluster. */
export interface InterServerEvents {
  'room-size': (room: string, answer: (count: number) => void) => void
}

/** Event names Socket.IO keeps for itself; dispatching them would throw or confuse clients. */
export const RESERVED_EVENTS = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
])
