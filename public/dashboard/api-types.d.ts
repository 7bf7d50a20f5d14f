// The API's answers as the dashboard reads them: the server's own types, derived from its schemas.
export type { PostbackView, StatusRule } from '../../src/postbacks/types.js'
export type { QueueStats } from '../../src/postbacks/stats.js'
export type { Activity } from '../../src/postbacks/activity.js'
export type { DestinationView } from '../../src/destinations/types.js'

/** GET /api/socket/sockets/stats, the fields the dashboard shows. */
export interface Connections {
  totalConnections: number
  connections: { socketId: string; channel: string; userId: string; connectedAt: string; channels?: string[] }[]
}

/**
 * GET /api/socket/channels/:channel/presence. Written out like Connections (the realtime schemas
 * reach Node-only modules, outside this browser build); test/ops/dashboard-realtime.test.ts checks
 * that the server's types fit these.
 */
export interface Presence {
  channel: string
  count: number
  members: { userId: string; info: Record<string, unknown> | null; since: string }[]
}

/** An item of GET /api/socket/inboxes (and the answer of GET /api/socket/users/:userId/inbox). */
export interface InboxStats {
  userId: string
  pending: number
  oldestAt: string | null
}
