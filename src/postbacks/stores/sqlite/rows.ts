// Column lists and row mappers for the postbacks table.
import type { Attempt, DueDelivery, HttpMethod, Notify, PostbackStatus, PostbackView } from '../../types.js'

export const VIEW_COLUMNS =
  'id, url, method, status, attempts_made, created_at, updated_at, next_attempt_at, last_error, last_status_code, attempts'

export const DUE_COLUMNS = 'id, url, destination, method, headers, body, attempts_made, max_attempts, timeout_ms, notify'

export interface ViewRow {
  id: string
  url: string
  method: HttpMethod
  status: PostbackStatus
  attempts_made: number
  created_at: number
  updated_at: number
  next_attempt_at: number | null
  last_error: string | null
  last_status_code: number | null
  attempts: string
}

export interface DueRow {
  id: string
  url: string
  destination: string
  method: HttpMethod
  headers: string
  body: string
  attempts_made: number
  max_attempts: number
  timeout_ms: number
  notify: string | null
}

const iso = (ms: number) => new Date(ms).toISOString()

export function toView(row: ViewRow): PostbackView {
  return {
    id: row.id,
    postbackUrl: row.url,
    method: row.method,
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    nextAttemptAt: row.status === 'pending' && row.next_attempt_at !== null ? iso(row.next_attempt_at) : null,
    retries: Math.max(0, row.attempts_made - 1),
    lastError: row.last_error,
    lastStatusCode: row.last_status_code,
    attempts: JSON.parse(row.attempts) as Attempt[],
  }
}

export function toDue(row: DueRow): DueDelivery {
  return {
    id: row.id,
    url: row.url,
    destination: row.destination,
    method: row.method,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    attemptsMade: row.attempts_made,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    ...(row.notify === null ? {} : { notify: JSON.parse(row.notify) as Notify }),
  }
}
