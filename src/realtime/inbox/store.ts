// The seam between the durable inbox and where its messages live (SPEC §9): a driver per store
// (src/stores/sqlite/inbox-store.ts, src/stores/redis/inbox-store.ts). Messages live there, not in
// process memory; each user has their own copy of a message, kept until acked or expired.
import type { InboxMessage } from '../schemas/inbox.js'

export interface StoredMessage {
  /** its place in the store's order: later messages have larger numbers */
  seq: number
  message: InboxMessage
}

/** One user's unexpired messages: how many, and when the oldest was dispatched (ISO-8601). */
export interface UserInbox {
  userId: string
  pending: number
  oldestAt: string | null
}

export interface AddResult {
  /** a user who already holds the most messages allowed; nothing was stored then */
  full?: string
}

export interface InboxStore {
  /**
   * Stores one copy of `message` for each user, all or none: when one of them already holds
   * `maxPerUser` unexpired messages, nothing is stored and that user is named.
   */
  add(userIds: string[], message: InboxMessage, expiresAt: number, maxPerUser: number, now: number): Promise<AddResult>
  /**
   * A user's unexpired messages stored after `afterSeq`, in the order stored: at most `limit`, and
   * no more than `maxBytes` of stored JSON (UTF-8) in all, unless the first alone is larger.
   */
  pending(userId: string, afterSeq: number, limit: number, maxBytes: number, now: number): Promise<StoredMessage[]>
  /** Removes the user's copy; false when it was not there (acked already, expired, cleared). */
  ack(userId: string, messageId: string): Promise<boolean>
  /** How many unexpired messages the user has, and when the oldest was dispatched (ISO-8601). */
  stats(userId: string, now: number): Promise<Omit<UserInbox, 'userId'>>
  /**
   * The users with pending messages, most first, at most `limit`. Users are ranked by the count
   * the store keeps per user, so the cost grows with `limit`, never with the messages stored; a
   * message that expired since the last purge may still weigh in that rank, never in `pending`.
   */
  busiest(limit: number, now: number): Promise<UserInbox[]>
  /** Removes every message of the user; answers how many there were. */
  clear(userId: string): Promise<number>
  /** Deletes a batch of expired messages (bounded by `limit`); answers how many, 0 when none were left. */
  purgeExpired(now: number, limit: number): Promise<number>
  close(): Promise<void>
}

/** The order `busiest` answers in: most pending first, then by user id, whatever order the rank read them in. */
export const byMostPending = (users: UserInbox[]): UserInbox[] =>
  users.sort((a, b) => b.pending - a.pending || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
