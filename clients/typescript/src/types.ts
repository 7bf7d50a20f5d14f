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

export type DispatchRequest = RequestOf<'/api/socket/dispatch', 'post'>
export type Dispatched = AnswerOf<'/api/socket/dispatch', 'post'>
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
