// Every Redis key the postback store uses, under REDIS_PREFIX. BullMQ's own keys live under
// `<prefix>:postbacks:`.
import type { PostbackStatus } from '../../types.js'

export const QUEUE_NAME = 'postbacks'

export function redisKeys(prefix: string) {
  return {
    /** hash: the postback and its delivery state */
    postback: (id: string) => `${prefix}:pb:${id}`,
    /** list: one JSON attempt per entry */
    attempts: (id: string) => `${prefix}:pb:${id}:attempts`,
    postbackPrefix: `${prefix}:pb:`,
    /** string: idempotency key → postback id */
    idempotency: (key: string) => `${prefix}:idem:${key}`,
    idempotencyPrefix: `${prefix}:idem:`,
    /** sorted sets of ids, all scores 0: lexical order of `<epoch ms>-<random>` ids is creation order */
    all: `${prefix}:idx:all`,
    byStatus: (status: PostbackStatus) => `${prefix}:idx:${status}`,
    /** sorted set: finished ids scored by when they finished, for retention */
    finished: `${prefix}:idx:finished`,
    /** sorted set: ids whose BullMQ job may not exist yet, scored by when that was last true */
    unconfirmed: `${prefix}:idx:unconfirmed`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>
