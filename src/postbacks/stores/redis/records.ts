// The postback hash: its fields when stored, and the view and delivery read back from it.
import type { Attempt, DueDelivery, HttpMethod, NewPostback, Notify, PostbackStatus, PostbackView } from '../../types.js'

/** Field/value pairs for HSET; empty strings stand for null. */
export function hashFields(p: NewPostback): string[] {
  return [
    'id', p.id,
    'url', p.url,
    'dest', p.destination,
    'method', p.method,
    'headers', JSON.stringify(p.headers),
    'body', p.body,
    'status', 'pending',
    'attempts_made', '0',
    'max_attempts', String(p.maxAttempts),
    'timeout_ms', String(p.timeoutMs),
    'created_at', String(p.createdAt),
    'updated_at', String(p.createdAt),
    'next_attempt_at', String(p.runAt),
    'finished_at', '',
    'last_error', '',
    'last_status_code', '',
    'idem', p.idempotencyKey ?? '',
    'notify', p.notify ? JSON.stringify(p.notify) : '',
  ]
}

const iso = (ms: string) => new Date(Number(ms)).toISOString()
const orNull = (value: string | undefined) => (value === undefined || value === '' ? null : value)

export function toView(hash: Record<string, string>, attempts: string[]): PostbackView {
  const status = hash.status as PostbackStatus
  const nextAttemptAt = orNull(hash.next_attempt_at)
  const lastStatusCode = orNull(hash.last_status_code)
  return {
    id: hash.id!,
    postbackUrl: hash.url!,
    method: hash.method as HttpMethod,
    status,
    createdAt: iso(hash.created_at!),
    updatedAt: iso(hash.updated_at!),
    nextAttemptAt: status === 'pending' && nextAttemptAt !== null ? iso(nextAttemptAt) : null,
    retries: Math.max(0, Number(hash.attempts_made) - 1),
    lastError: orNull(hash.last_error),
    lastStatusCode: lastStatusCode === null ? null : Number(lastStatusCode),
    attempts: attempts.map((a) => JSON.parse(a) as Attempt),
  }
}

/** The HMGET answer of the start script, in its field order. */
export function toDue(id: string, fields: (string | null)[]): DueDelivery {
  const [url, destination, method, headers, body, attemptsMade, maxAttempts, timeoutMs, notify] = fields
  return {
    id,
    url: url!,
    destination: destination!,
    method: method as HttpMethod,
    headers: JSON.parse(headers!) as Record<string, string>,
    body: body!,
    attemptsMade: Number(attemptsMade),
    maxAttempts: Number(maxAttempts),
    timeoutMs: Number(timeoutMs),
    ...(notify ? { notify: JSON.parse(notify) as Notify } : {}),
  }
}
