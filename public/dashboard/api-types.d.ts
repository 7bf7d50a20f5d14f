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
