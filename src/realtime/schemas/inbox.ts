// The durable inbox as the API shows it, and a stored message as a socket receives it.
import Type, { type Static } from 'typebox'
import { Name } from './names.js'

export const InboxParams = Type.Object({ userId: Name('the user whose inbox this is') })

export const InboxStatsSchema = Type.Object(
  {
    userId: Type.String(),
    pending: Type.Integer({ minimum: 0, description: 'messages stored and not yet acked (expired ones not counted)' }),
    oldestAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'when the oldest pending message was dispatched; null when none is pending',
    }),
  },
  { title: 'InboxStats', examples: [{ userId: 'user-123', pending: 2, oldestAt: '2024-01-15T10:30:00.000Z' }] },
)
export type InboxStats = Static<typeof InboxStatsSchema>

export const BusiestQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'list at most this many users, most pending first' }),
})

export const BusiestSchema = Type.Array(InboxStatsSchema, {
  title: 'InboxUsers',
  description: 'users with pending messages, most pending first',
  examples: [
    [
      { userId: 'user-123', pending: 12, oldestAt: '2024-01-15T10:30:00.000Z' },
      { userId: 'user-456', pending: 2, oldestAt: '2024-01-15T11:02:41.000Z' },
    ],
  ],
})

export const InboxClearedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Inbox cleared'] }),
    userId: Type.String(),
    deletedCount: Type.Integer({ minimum: 0 }),
  },
  { title: 'InboxCleared', examples: [{ success: true, message: 'Inbox cleared', userId: 'user-123', deletedCount: 2 }] },
)

/** A durable message as delivered: the dispatch's body plus the id the client acks and drops repeats by. */
export const InboxMessageSchema = Type.Object({
  event: Type.String(),
  data: Type.Unknown(),
  timestamp: Type.String({ format: 'date-time' }),
  messageId: Type.String(),
})
export type InboxMessage = Static<typeof InboxMessageSchema>
