// A typed Socket.IO connection to the service: our event names and payloads, subscriptions and
// pings as promises, and dispatched events typed where they are listened to.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { QspConnectionError, QspRefusedError } from './errors.js'
import type {
  ClientToServerEvents,
  ConnectionInfo,
  DispatchedMessage,
  DurableMessage,
  Pong,
  PresenceAck,
  PresenceJoined,
  PresenceLeft,
  ServerToClientEvents,
  SubscriptionAck,
} from './realtime-events.js'

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface RealtimeOptions {
  /** where the service listens, e.g. `http://localhost:3000` */
  url: string
  /** the API_TOKEN (backends) or a client token from `QspClient.clientToken` (browsers, apps) */
  token: string
  /** the channel to join; the service makes one up when absent */
  channel?: string
  /** the user to connect as; the service makes one up when absent (a client token sets it) */
  userId?: string
  /**
   * what presence channels show about this connection (a JSON object, at most 1 KiB), for API-token
   * connections; a client token carries its own `info` and this is ignored
   */
  info?: Record<string, unknown>
  /** the service's SOCKET_PATH, `/socket.io` by default */
  path?: string
  /** any other Socket.IO client option (transports, reconnection, …) */
  socket?: Partial<ManagerOptions & SocketOptions>
}

/** Called with a dispatched event; `ack` is there when the dispatch asked for acknowledgements. */
export type EventListener<Data> = (message: DispatchedMessage<Data>, ack?: (answer?: unknown) => void) => void

/** Called with a durable message; `ack()` once it is handled removes it from the user's inbox. */
export type DurableListener<Data> = (message: DurableMessage<Data>, ack: () => void) => void

export interface PresenceListeners {
  joined?: (joined: PresenceJoined) => void
  left?: (left: PresenceLeft) => void
}

export class Realtime {
  /** The Socket.IO socket, typed with the service's own events: `realtime.socket.on('connected', …)`. */
  readonly socket: RealtimeSocket
  private lastInfo: ConnectionInfo | undefined

  constructor(options: RealtimeOptions) {
    const query = { ...(options.channel ? { channel: options.channel } : {}), ...(options.userId ? { userId: options.userId } : {}) }
    this.socket = io(options.url, {
      path: options.path ?? '/socket.io',
      auth: { token: options.token, ...(options.info ? { info: options.info } : {}) },
      query,
      // The query names this connection's channel and user: never share a connection with another.
      forceNew: true,
      ...options.socket,
    })
    this.socket.on('connected', (info) => (this.lastInfo = info))
  }

  /** What the service said about this connection when it last connected. */
  get info(): ConnectionInfo | undefined {
    return this.lastInfo
  }

  /** Listens to a dispatched event; returns a function that stops listening. */
  onEvent<Data = unknown>(event: string, listener: EventListener<Data>): () => void {
    const untyped = this.socket as unknown as Socket
    // With connection-state recovery the service appends the event's offset (a string) after the
    // message; the ack function, when one was asked for, is the only function among the rest.
    const receive = (message: DispatchedMessage<Data>, ...rest: unknown[]) => {
      const ack = rest.find((arg): arg is (answer?: unknown) => void => typeof arg === 'function')
      listener(message, ack)
    }
    untyped.on(event, receive)
    return () => untyped.off(event, receive)
  }

  /**
   * Listens to durable messages under `event`: each comes with `ack`, and keeps coming (on every
   * connect of the user) until one of the user's sockets calls it; the same `messageId` may come
   * twice, so handle it once. Plain dispatches under that name go to `onEvent` listeners only.
   * Pending messages are replayed right after connecting: listen in `connectRealtime`'s `listen`.
   */
  onDurable<Data = unknown>(event: string, listener: DurableListener<Data>): () => void {
    return this.onEvent<Data>(event, (message, ack) => {
      const { messageId } = message as Partial<DurableMessage<Data>>
      if (typeof messageId === 'string' && ack) listener({ ...message, messageId }, () => ack())
    })
  }

  /** Hears members come to and leave the presence channels this connection is in; returns a function that stops. */
  onPresence(listeners: PresenceListeners): () => void {
    const { joined, left } = listeners
    if (joined) this.socket.on('presence.joined', joined)
    if (left) this.socket.on('presence.left', left)
    return () => {
      if (joined) this.socket.off('presence.joined', joined)
      if (left) this.socket.off('presence.left', left)
    }
  }

  /** The members of a presence channel this connection is in (`FORBIDDEN` in the answer otherwise). */
  presence(channel: string): Promise<PresenceAck> {
    return this.socket.emitWithAck('presence', { channel })
  }

  /** Joins another channel, within the token's scope. */
  subscribe(channel: string): Promise<SubscriptionAck> {
    return this.socket.emitWithAck('subscribe', { channel })
  }

  unsubscribe(channel: string): Promise<SubscriptionAck> {
    return this.socket.emitWithAck('unsubscribe', { channel })
  }

  ping(): Promise<Pong> {
    return this.socket.emitWithAck('ping')
  }

  /** Sends a message: echoed as `message-received`, relayed to the channel as `message`. */
  send(event: string, data?: unknown): void {
    this.socket.emit('message', data === undefined ? { event } : { event, data })
  }

  close(): void {
    this.socket.disconnect()
  }
}

/**
 * Connects and resolves once the service has sent `connected`. A refused connection rejects with
 * QspRefusedError, an unreachable service with QspConnectionError; neither is retried.
 * `listen` runs before the connection opens: add there the listeners that must not miss what
 * comes right after `connected`, such as `onDurable` (the user's pending messages are replayed at once).
 */
export function connectRealtime(options: RealtimeOptions, listen?: (realtime: Realtime) => void): Promise<Realtime> {
  const realtime = new Realtime(options)
  listen?.(realtime)
  const { socket } = realtime
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      socket.off('connected', onConnected)
      socket.off('connect_error', onError)
      outcome()
    }
    const onConnected = () => settle(() => resolve(realtime))
    const onError = (error: Error & { data?: unknown }) =>
      settle(() => {
        realtime.close()
        reject(refusal(error.data) ?? new QspConnectionError(options.url, error))
      })
    socket.on('connected', onConnected)
    socket.on('connect_error', onError)
  })
}

function refusal(data: unknown): QspRefusedError | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const { error, message } = data as Record<string, unknown>
  return typeof error === 'string' && typeof message === 'string' ? new QspRefusedError(error, message) : undefined
}
