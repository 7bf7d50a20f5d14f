// QspClient: the common calls of the HTTP API as typed methods. Anything else is one call away
// through `client.api`, the typed openapi-fetch client for every route in the document.
import createClient, { type Client } from 'openapi-fetch'
import { QspConnectionError, QspError } from './errors.js'
import { nextCursor } from './link-header.js'
import type { paths } from './schema.js'
import type {
  Activity,
  BatchResult,
  ChannelStats,
  ClientToken,
  ClientTokenRequest,
  Connections,
  ConnectionsQuery,
  Destination,
  DestinationSecret,
  DestinationSettings,
  DisconnectRequest,
  Dispatched,
  DispatchRequest,
  DurableDispatchRequest,
  DurablyDispatched,
  InboxesQuery,
  InboxStats,
  ListQuery,
  Postback,
  PostbackDetail,
  PostbackPage,
  Presence,
  PresenceQuery,
  Queued,
  QueueRequest,
  QueueStats,
  RetryFilter,
} from './types.js'

export interface QspClientOptions {
  /** where the service listens, e.g. `http://localhost:3000` */
  url: string
  /** the service's API_TOKEN */
  token: string
  /** a fetch of your own (a proxy agent, retries, tracing); the global fetch by default */
  fetch?: (request: Request) => Promise<Response>
}

/** What openapi-fetch resolves with: data on success, the parsed error body otherwise. */
type Answer<T> = { data?: T; error?: unknown; response: Response }

export class QspClient {
  /** The typed client for every route, for calls without a method of their own here. */
  readonly api: Client<paths>
  readonly url: string

  constructor(options: QspClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.api = createClient<paths>({
      baseUrl: this.url,
      headers: { authorization: `Bearer ${options.token}` },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    })
  }

  /** Queues a postback; resolves once it is stored, before it is delivered. */
  async queue(request: QueueRequest): Promise<Queued> {
    return this.call(this.api.POST('/api/queue/postback', { body: request }))
  }

  /** A postback's status, attempts, and the payload and headers that were queued. */
  async get(id: string): Promise<PostbackDetail> {
    return this.call(this.api.GET('/api/queue/postback/{id}', { params: { path: { id } } }))
  }

  /** One page of postbacks, newest first. Pass `nextCursor` back as `cursor` for the next. */
  async list(query: ListQuery = {}): Promise<PostbackPage> {
    const answer = await this.send(this.api.GET('/api/queue/postback', { params: { query } }))
    const items = this.unwrap(answer)
    const cursor = nextCursor(answer.response.headers.get('link'))
    return cursor === undefined ? { items } : { items, nextCursor: cursor }
  }

  /** Every postback that matches, page after page: `for await (const postback of client.listAll({status: 'failed'}))`. */
  async *listAll(query: ListQuery = {}): AsyncGenerator<Postback, void, undefined> {
    let cursor = query.cursor
    do {
      const page = await this.list(cursor === undefined ? query : { ...query, cursor })
      yield* page.items
      cursor = page.nextCursor
    } while (cursor !== undefined)
  }

  /** Re-queues a failed (or completed) postback with a fresh attempt budget. */
  async retry(id: string): Promise<Postback> {
    return this.call(this.api.POST('/api/queue/postback/{id}/retry', { params: { path: { id } } }))
  }

  /** Re-queues every finished postback that matches (every failed one by default); resolves with how many. */
  async retryMany(filter: RetryFilter = {}): Promise<number> {
    return (await this.call(this.api.POST('/api/queue/postback/retry', { body: filter }))).count
  }

  /** Cancels a pending postback. */
  async cancel(id: string): Promise<Postback> {
    return this.call(this.api.DELETE('/api/queue/postback/{id}', { params: { path: { id } } }))
  }

  /** Counts by status, how long the postback due the longest has waited, deliveries in flight and busy destinations. */
  async stats(): Promise<QueueStats> {
    return this.call(this.api.GET('/api/queue/stats'))
  }

  /** Delivery over the last 15 minutes, in 10-second buckets, and the busiest destinations. */
  async activity(): Promise<Activity> {
    return this.call(this.api.GET('/api/queue/activity'))
  }

  /** Every destination that is busy, was seen lately, or has settings; busiest first. */
  async destinations(): Promise<Destination[]> {
    return this.call(this.api.GET('/api/destinations'))
  }

  /**
   * One destination: its origin, `https://api.example.com:443` (the default port may be left out).
   * The destination methods encode it into the path.
   */
  async destination(destination: string): Promise<Destination> {
    return this.call(this.api.GET('/api/destinations/{destination}', { params: { path: { destination } } }))
  }

  /** Changes a destination's settings (null clears one); a destination never seen before is created. */
  async configureDestination(destination: string, settings: DestinationSettings): Promise<Destination> {
    return this.call(this.api.PATCH('/api/destinations/{destination}', { params: { path: { destination } }, body: settings }))
  }

  /** No attempts go to a paused destination; its postbacks wait, pending. */
  async pauseDestination(destination: string): Promise<Destination> {
    return this.call(this.api.POST('/api/destinations/{destination}/pause', { params: { path: { destination } } }))
  }

  async resumeDestination(destination: string): Promise<Destination> {
    return this.call(this.api.POST('/api/destinations/{destination}/resume', { params: { path: { destination } } }))
  }

  /**
   * Gives a destination a signing secret of its own: `secret` (`whsec_…`) or one made by the
   * service. For a grace period deliveries carry the new and the old signature.
   */
  async rotateDestinationSecret(destination: string, secret?: string): Promise<DestinationSecret> {
    const body = secret === undefined ? {} : { secret }
    return this.call(this.api.POST('/api/destinations/{destination}/secret', { params: { path: { destination } }, body }))
  }

  /** A destination's own secret (404 when it signs with POSTBACK_SIGNING_SECRET). */
  async destinationSecret(destination: string): Promise<DestinationSecret> {
    return this.call(this.api.GET('/api/destinations/{destination}/secret', { params: { path: { destination } } }))
  }

  /** Goes back to POSTBACK_SIGNING_SECRET, with the same grace period. */
  async deleteDestinationSecret(destination: string): Promise<Destination> {
    return this.call(this.api.DELETE('/api/destinations/{destination}/secret', { params: { path: { destination } } }))
  }

  /**
   * Sends an event to a channel, a user, or a user in a channel; `channels` and `userIds` name up
   * to 100 each, and `exceptSocketId` leaves one socket out (the sender, say).
   */
  async dispatch(request: DispatchRequest): Promise<Dispatched> {
    return this.call(this.api.POST('/api/socket/dispatch', { body: request }))
  }

  /**
   * Stores the event for each user before resolving, and delivers it to their sockets now and on
   * every connect until one of each user's sockets acks it; resolves with its `messageId`.
   */
  async dispatchDurable(request: DurableDispatchRequest): Promise<DurablyDispatched> {
    const answer = await this.dispatch({ ...request, durable: true })
    if (answer.messageId === undefined) throw new QspError(200, 'EMPTY_ANSWER', 'the service stored the message without naming it')
    return { ...answer, messageId: answer.messageId }
  }

  /** Up to 100 dispatches in order; each result stands in its item's place, an error for a refused one. */
  async dispatchBatch(items: DispatchRequest[]): Promise<BatchResult[]> {
    return (await this.call(this.api.POST('/api/socket/dispatch/batch', { body: { items } }))).results
  }

  /** Who is in a presence channel (named `presence-…`), cluster-wide, longest present first. */
  async presence(channel: string, query: PresenceQuery = {}): Promise<Presence> {
    return this.call(this.api.GET('/api/socket/channels/{channel}/presence', { params: { path: { channel }, query } }))
  }

  /** How many durable messages wait for a user, and since when. */
  async inbox(userId: string): Promise<InboxStats> {
    return this.call(this.api.GET('/api/socket/users/{userId}/inbox', { params: { path: { userId } } }))
  }

  /** Deletes every durable message waiting for a user; resolves with how many there were. */
  async clearInbox(userId: string): Promise<number> {
    return (await this.call(this.api.DELETE('/api/socket/users/{userId}/inbox', { params: { path: { userId } } }))).deletedCount
  }

  /** The users with the most durable messages waiting, most first. */
  async inboxes(query: InboxesQuery = {}): Promise<InboxStats[]> {
    return this.call(this.api.GET('/api/socket/inboxes', { params: { query } }))
  }

  /**
   * Mints a client token for a browser or app: it connects only as `userId`, only to `channels`,
   * and presence channels show its `info`.
   */
  async clientToken(request: ClientTokenRequest): Promise<ClientToken> {
    return this.call(this.api.POST('/api/socket/token', { body: request }))
  }

  /** Forces matching sockets off; resolves with how many. */
  async disconnect(request: DisconnectRequest): Promise<number> {
    return (await this.call(this.api.POST('/api/socket/disconnect', { body: request }))).disconnectedCount
  }

  /** The sockets connected, optionally only in a channel or of a user. */
  async connections(query: ConnectionsQuery = {}): Promise<Connections> {
    return this.call(this.api.GET('/api/socket/sockets/stats', { params: { query } }))
  }

  /** How many users and sockets a channel has. */
  async channelStats(channel: string): Promise<ChannelStats> {
    return this.call(this.api.GET('/api/socket/sockets/channel/{channel}/stats', { params: { path: { channel } } }))
  }

  private async call<T>(request: Promise<Answer<T>>): Promise<T> {
    return this.unwrap(await this.send(request))
  }

  private async send<T>(request: Promise<Answer<T>>): Promise<Answer<T>> {
    try {
      return await request
    } catch (error) {
      // fetch rejects with a TypeError only when no answer came (refused, DNS, reset, TLS).
      if (error instanceof TypeError) throw new QspConnectionError(this.url, error)
      throw error
    }
  }

  private unwrap<T>({ data, error, response }: Answer<T>): T {
    if (!response.ok) throw QspError.fromResponse(response, error)
    if (data === undefined) throw new QspError(response.status, 'EMPTY_ANSWER', 'the service answered without a body')
    return data
  }
}
