// The socket protocol in both directions, as the service speaks it. Dispatched events carry
// names chosen by the backend, so they are typed where they are listened to (`onEvent`).

export interface ConnectionInfo {
  socketId: string
  /** the channel given when connecting */
  channel: string
  userId: string
  connectedAt: string
  /** every channel the socket is in, subscriptions included */
  channels: string[]
}

/** The body of every dispatched event, under the event's own name. */
export interface DispatchedMessage<Data = unknown> {
  event: string
  data: Data
  timestamp: string
}

/** A durable message: kept for its user until one of their sockets acks it; `messageId` tells repeats apart. */
export interface DurableMessage<Data = unknown> extends DispatchedMessage<Data> {
  messageId: string
}

/** A client's message, relayed to the other sockets of its channel. */
export interface RelayedMessage extends DispatchedMessage {
  from: { userId: string; socketId: string }
}

export interface ClientMessage {
  event: string
  data?: unknown
}

/** An error about something the client sent, and why the service refused a connection (`connect_error` data). */
export interface SocketErrorPayload {
  error: string
  message: string
}

export type SubscriptionAck = { ok: true; channel: string } | { ok: false; error: string; message: string }

/** What a `message` sent with an ack is answered. */
export type MessageAck = { ok: true; receivedAt: string } | { ok: false; error: string; message: string }

export interface Pong {
  timestamp: string
}

/** A member of a presence channel (a channel named `presence-…`). */
export interface PresenceMember {
  userId: string
  info: Record<string, unknown> | null
  since: string
}

/** To the other members when a user's first socket enters a presence channel. */
export interface PresenceJoined {
  channel: string
  userId: string
  info: Record<string, unknown> | null
  timestamp: string
}

/** To the other members when a user's last socket has left a presence channel and stayed away. */
export interface PresenceLeft {
  channel: string
  userId: string
  timestamp: string
}

export type PresenceAck = { ok: true; channel: string; members: PresenceMember[] } | { ok: false; error: string; message: string }

export interface ServerToClientEvents {
  connected: (info: ConnectionInfo) => void
  pong: (pong: Pong) => void
  'message-received': (receipt: { originalMessage: DispatchedMessage; receivedAt: string }) => void
  message: (message: RelayedMessage) => void
  error: (error: SocketErrorPayload) => void
  'presence.joined': (joined: PresenceJoined) => void
  'presence.left': (left: PresenceLeft) => void
}

export interface ClientToServerEvents {
  ping: (ack?: (pong: Pong) => void) => void
  message: (message: ClientMessage, ack?: (answer: MessageAck) => void) => void
  subscribe: (request: { channel: string }, ack?: (answer: SubscriptionAck) => void) => void
  unsubscribe: (request: { channel: string }, ack?: (answer: SubscriptionAck) => void) => void
  presence: (request: { channel: string }, ack?: (answer: PresenceAck) => void) => void
}
