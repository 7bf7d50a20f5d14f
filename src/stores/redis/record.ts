// The postback hash, defined once: the fields a new postback writes, and how the view, the
// detail and a delivery are read back. Values are strings; '' stands for null. A record written
// before a field existed simply lacks it: HGETALL leaves it out and it reads as ''.
import { isoOf } from '../../postbacks/instants.js'
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
  /** '1' when the caller gave timeout_ms ('0': the default, which a destination's timeout replaces) */
  timeout_given: string
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
  ordering_key: string
  callback_url: string
  failure_callback_url: string
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
    timeout_given: p.timeoutGiven ? '1' : '0',
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
    ordering_key: p.orderingKey ?? '',
    callback_url: p.callbackUrl ?? '',
    failure_callback_url: p.failureCallbackUrl ?? '',
  }
}

/** Field/value pairs for HSET. */
export const recordPairs = (record: PostbackRecord): string[] =>
  (Object.entries(record) as [keyof PostbackRecord, string][]).flatMap(([field, value]) => [field, value])

/** The fields a delivery needs, in the order the claim script returns them (after the id). */
export const DUE_FIELDS = [
  'url', 'dest', 'method', 'headers', 'body', 'attempts_made', 'max_attempts', 'timeout_ms', 'timeout_given', 'notify',
  'ordering_key', 'callback_url', 'failure_callback_url',
] as const satisfies readonly (keyof PostbackRecord)[]

/** What a claim adds after the DUE_FIELDS: the attempt's kind and its destination's settings. */
export const CLAIM_FIELDS = ['probe', 'destTimeoutMs', 'secret', 'previousSecret', 'rotatedAt'] as const

/** Values per claimed postback in a claim's answer: the id, the DUE_FIELDS, the CLAIM_FIELDS. */
export const CLAIM_WIDTH = 1 + DUE_FIELDS.length + CLAIM_FIELDS.length

const iso = (ms: string) => isoOf(Number(ms))
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
    orderingKey: orNull(hash.ordering_key),
    callbackUrl: orNull(hash.callback_url),
    failureCallbackUrl: orNull(hash.failure_callback_url),
  }
}

export const toDetail = (hash: Partial<PostbackRecord>, attempts: string[]): PostbackDetail => ({
  ...toView(hash, attempts),
  payload: JSON.parse(hash.body!) as unknown,
  headers: JSON.parse(hash.headers!) as Record<string, string>,
})

/** A claimed delivery, from its id, its DUE_FIELDS values and (from a claim) its CLAIM_FIELDS values. */
export function toDue(id: string, values: string[]): DueDelivery {
  const due = Object.fromEntries(DUE_FIELDS.map((field, i) => [field, values[i] ?? ''])) as Record<(typeof DUE_FIELDS)[number], string>
  const claim = Object.fromEntries(CLAIM_FIELDS.map((field, i) => [field, values[DUE_FIELDS.length + i] ?? ''])) as Record<
    (typeof CLAIM_FIELDS)[number],
    string
  >
  // Records stored before timeout_given existed had their timeout fixed: it stays as it was.
  const timeoutMs = due.timeout_given === '0' && claim.destTimeoutMs ? Number(claim.destTimeoutMs) : Number(due.timeout_ms)
  return {
    id,
    url: due.url,
    destination: due.dest,
    method: due.method as HttpMethod,
    headers: JSON.parse(due.headers) as Record<string, string>,
    body: due.body,
    attemptsMade: Number(due.attempts_made),
    maxAttempts: Number(due.max_attempts),
    timeoutMs,
    ...(due.notify ? { notify: JSON.parse(due.notify) as Notify } : {}),
    ...(due.ordering_key ? { orderingKey: due.ordering_key } : {}),
    ...(due.callback_url || due.failure_callback_url ? { hasCallbacks: true } : {}),
    ...(claim.probe === '1' ? { probe: true } : {}),
    ...(claim.secret || claim.previousSecret
      ? {
          signing: {
            ...(claim.secret ? { secret: claim.secret } : {}),
            ...(claim.previousSecret ? { previousSecret: claim.previousSecret } : {}),
            ...(claim.rotatedAt ? { rotatedAt: Number(claim.rotatedAt) } : {}),
          },
        }
      : {}),
  }
}
