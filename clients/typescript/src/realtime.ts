// A typed Socket.IO connection to the service: our event names and payloads, subscriptions and
// pings as promises, and dispatched events typed where they are listened to.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { QspConnectionError, QspRefusedError } from './errors.js'
import type {
  ClientToServerEvents,
  ConnectionInfo,
  DispatchedMessage,
  Pong,
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
  /** the service's SOCKET_PATH, `/socket.io` by default */
  path?: string
  /** any other Socket.IO client option (transports, reconnection, …) */
  socket?: Partial<ManagerOptions & SocketOptions>
}

/** Called with a dispatched event; `ack` is there when the dispatch asked for acknowledgements. */
export type EventListener<Data> = (message: DispatchedMessage<Data>, ack?: (answer?: unknown) => void) => void

export class Realtime {
  /** The Socket.IO socket, typed with the service's own events: `realtime.socket.on('connected', …)`. */
  readonly socket: RealtimeSocket
  private lastInfo: ConnectionInfo | undefined

  constructor(options: RealtimeOptions) {
    const query = { ...(options.channel ? { channel: options.channel } : {}), ...(options.userId ? { userId: options.userId } : {}) }
    this.socket = io(options.url, {
      path: options.path ?? '/socket.io',
      auth: { token: options.token },
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
 */
export function connectRealtime(options: RealtimeOptions): Promise<Realtime> {
  const realtime = new Realtime(options)
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
