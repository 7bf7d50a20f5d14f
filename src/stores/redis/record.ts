// The postback hash, defined once: the fields a new postback writes, and how the view, the
// detail and a delivery are read back. Values are strings; '' stands for null. A record written
// before a field existed simply lacks it: HGETALL leaves it out and it reads as ''.
import type { Attempt, DueDelivery, HttpMethod, NewPostback, Notify, PostbackDetail, PostbackStatus, PostbackView } from '../../postbacks/types.js'

export interface PostbackRecord {
  id: string
  url: string
  /** scheme://host:port */
  dest: string
  method: string
  /** JSON object */
  headers: string
  /** the payload as JSON */
  body: string
  status: string
  attempts_made: string
  max_attempts: string
  timeout_ms: string
  created_at: string
  updated_at: string
  next_attempt_at: string
  finished_at: string
  last_error: string
  last_status_code: string
  idem: string
  fingerprint: string
  /** JSON {channel?, userId?} */
  notify: string
  /** who is delivering it now: `<instance>:<claim>`, checked when the attempt is recorded */
  lease: string
}

export function newRecord(p: NewPostback): PostbackRecord {
  return {
    id: p.id,
    url: p.url,
    dest: p.destination,
    method: p.method,
    headers: JSON.stringify(p.headers),
    body: p.body,
    status: 'pending',
    attempts_made: '0',
    max_attempts: String(p.maxAttempts),
    timeout_ms: String(p.timeoutMs),
    created_at: String(p.createdAt),
    updated_at: String(p.createdAt),
    next_attempt_at: String(p.runAt),
    finished_at: '',
    last_error: '',
    last_status_code: '',
    idem: p.idempotencyKey ?? '',
    fingerprint: p.fingerprint ?? '',
    notify: p.notify ? JSON.stringify(p.notify) : '',
    lease: '',
  }
}

/** Field/value pairs for HSET. */
export const recordPairs = (record: PostbackRecord): string[] => Object.entries(record).flat()

/** The fields a delivery needs, in the order the claim script returns them (after the id). */
export const DUE_FIELDS = [
  'url', 'dest', 'method', 'headers', 'body', 'attempts_made', 'max_attempts', 'timeout_ms', 'notify',
] as const satisfies readonly (keyof PostbackRecord)[]

const iso = (ms: string) => new Date(Number(ms)).toISOString()
const orNull = (value: string | undefined) => (value === undefined || value === '' ? null : value)

export function toView(hash: Partial<PostbackRecord>, attempts: string[]): PostbackView {
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

export const toDetail = (hash: Partial<PostbackRecord>, attempts: string[]): PostbackDetail => ({
  ...toView(hash, attempts),
  payload: JSON.parse(hash.body!) as unknown,
  headers: JSON.parse(hash.headers!) as Record<string, string>,
})

/** A claimed delivery: its id, then the DUE_FIELDS values. */
export function toDue(id: string, values: string[]): DueDelivery {
  const due = Object.fromEntries(DUE_FIELDS.map((field, i) => [field, values[i] ?? ''])) as Record<(typeof DUE_FIELDS)[number], string>
  return {
    id,
    url: due.url,
    destination: due.dest,
    method: due.method as HttpMethod,
    headers: JSON.parse(due.headers) as Record<string, string>,
    body: due.body,
    attemptsMade: Number(due.attempts_made),
    maxAttempts: Number(due.max_attempts),
    timeoutMs: Number(due.timeout_ms),
    ...(due.notify ? { notify: JSON.parse(due.notify) as Notify } : {}),
  }
}
