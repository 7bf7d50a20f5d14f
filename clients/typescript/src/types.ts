// Friendly names for the request and answer shapes of the generated OpenAPI types (schema.ts),
// so they change whenever the routes do.
import type { paths } from './schema.js'

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never
type RequestOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: infer R }
  ? Json<NonNullable<R>>
  : never
type AnswerOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: infer R } }
  ? Json<R>
  : never
type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never

/** What POST /api/queue/postback accepts. */
export type QueueRequest = RequestOf<'/api/queue/postback', 'post'>
export type Queued = AnswerOf<'/api/queue/postback', 'post'>
/** A postback's status object, as lists, retries and notifications show it. */
export type Postback = AnswerOf<'/api/queue/postback', 'get'>[number]
/** The status object with the payload and headers that were queued. */
export type PostbackDetail = AnswerOf<'/api/queue/postback/{id}', 'get'>
export type PostbackStatus = Postback['status']
export type ListQuery = QueryOf<'/api/queue/postback', 'get'>
export type RetryFilter = RequestOf<'/api/queue/postback/retry', 'post'>
export type QueueStats = AnswerOf<'/api/queue/stats', 'get'>
export type Activity = AnswerOf<'/api/queue/activity', 'get'>

/** A receiver origin (scheme, host, port) with its state, load and settings. */
export type Destination = AnswerOf<'/api/destinations/{destination}', 'get'>
export type DestinationState = Destination['state']
/** The settings to change; null clears one. */
export type DestinationSettings = RequestOf<'/api/destinations/{destination}', 'patch'>
export type DestinationSecret = AnswerOf<'/api/destinations/{destination}/secret', 'get'>

/** A dispatch: `channel`/`channels`, `userId`/`userIds`, `exceptSocketId`, ack and fallback, or durable. */
export type DispatchRequest = RequestOf<'/api/socket/dispatch', 'post'>
export type Dispatched = AnswerOf<'/api/socket/dispatch', 'post'>
/** A durable dispatch: to users only, stored until each acks their copy (`ttlSeconds` at most). */
export type DurableDispatchRequest = Omit<DispatchRequest, 'durable' | 'channel' | 'channels' | 'fallback' | 'ack' | 'ackTimeoutMs'>
export type DurablyDispatched = Dispatched & { messageId: string }
/** One result of a batch, in the place of its item: what a dispatch answers, or why the item was refused. */
export type BatchResult = AnswerOf<'/api/socket/dispatch/batch', 'post'>['results'][number]
export type Presence = AnswerOf<'/api/socket/channels/{channel}/presence', 'get'>
export type PresenceQuery = QueryOf<'/api/socket/channels/{channel}/presence', 'get'>
/** A user's durable messages waiting: how many, and when the oldest was dispatched. */
export type InboxStats = AnswerOf<'/api/socket/users/{userId}/inbox', 'get'>
export type InboxesQuery = QueryOf<'/api/socket/inboxes', 'get'>
export type ClientTokenRequest = RequestOf<'/api/socket/token', 'post'>
export type ClientToken = AnswerOf<'/api/socket/token', 'post'>
export type DisconnectRequest = RequestOf<'/api/socket/disconnect', 'post'>
export type Disconnected = AnswerOf<'/api/socket/disconnect', 'post'>
export type ConnectionsQuery = QueryOf<'/api/socket/sockets/stats', 'get'>
export type Connections = AnswerOf<'/api/socket/sockets/stats', 'get'>
export type ChannelStats = AnswerOf<'/api/socket/sockets/channel/{channel}/stats', 'get'>

/** One page of postbacks and, when there are more, the cursor of the next. */
export interface PostbackPage {
  items: Postback[]
  nextCursor?: string
}
