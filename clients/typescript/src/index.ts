// @queue-socket-provider/client: the HTTP API, the socket connection and signature checks.
export { QspClient, type QspClientOptions } from './client.js'
export { QspConnectionError, QspError, QspRefusedError } from './errors.js'
export {
  connectRealtime,
  Realtime,
  type DurableListener,
  type EventListener,
  type PresenceListeners,
  type RealtimeOptions,
  type RealtimeSocket,
} from './realtime.js'
export type * from './realtime-events.js'
export type { paths } from './schema.js'
export type * from './types.js'
export { verifyWebhook, Webhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.js'
