// The postbacks table's row, defined once: what a new postback writes, what each read selects,
// and how rows become the domain's shapes. A column added to the table is added to `Row` and
// the compiler points at every place that must know it.
import { isoOf } from '../../postbacks/instants.js'
import type { Attempt, DueDelivery, HttpMethod, NewPostback, Notify, PostbackDetail, PostbackStatus, PostbackView } from '../../postbacks/types.js'

/** One row of the postbacks table (`seq` aside). */
export interface Row {
  id: string
  url: string
  destination: string
  method: HttpMethod
  /** JSON object */
  headers: string
  /** the payload as JSON */
  body: string
  status: PostbackStatus
  attempts_made: number
  max_attempts: number
  timeout_ms: number
  /** 1 when the caller gave timeout_ms; 0 when it is the default a destination's timeout replaces */
  timeout_given: number
  created_at: number
  updated_at: number
  next_attempt_at: number | null
  finished_at: number | null
  last_error: string | null
  last_status_code: number | null
  /** JSON array of attempts */
  attempts: string
  idempotency_key: string | null
  fingerprint: string | null
  /** JSON {channel?, userId?} */
  notify: string | null
  ordering_key: string | null
  /** the postback's place among those of its ordering key (set from seq, moved to the back by a retry) */
  order_seq: number | null
  callback_url: string | null
  failure_callback_url: string | null
  /** 1 from its end until its callback is queued */
  callback_due: number
}

/** The row a new postback starts as. */
export function newRow(p: NewPostback): Row {
  return {
    id: p.id,
    url: p.url,
    destination: p.destination,
    method: p.method,
    headers: JSON.stringify(p.headers),
    body: p.body,
    status: 'pending',
    attempts_made: 0,
    max_attempts: p.maxAttempts,
    timeout_ms: p.timeoutMs,
    timeout_given: p.timeoutGiven ? 1 : 0,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    next_attempt_at: p.runAt,
    finished_at: null,
    last_error: null,
    last_status_code: null,
    attempts: '[]',
    idempotency_key: p.idempotencyKey ?? null,
    fingerprint: p.fingerprint ?? null,
    notify: p.notify ? JSON.stringify(p.notify) : null,
    ordering_key: p.orderingKey ?? null,
    order_seq: null,
    callback_url: p.callbackUrl ?? null,
    failure_callback_url: p.failureCallbackUrl ?? null,
    callback_due: 0,
  }
}

const columns = <K extends keyof Row>(...names: K[]) => names

/** Every column of Row; the check below fails to compile when one is left out. */
export const ROW_COLUMNS = columns(
  'id', 'url', 'destination', 'method', 'headers', 'body', 'status', 'attempts_made', 'max_attempts',
  'timeout_ms', 'created_at', 'updated_at', 'next_attempt_at', 'finished_at', 'last_error',
  'last_status_code', 'attempts', 'idempotency_key', 'fingerprint', 'notify', 'timeout_given', 'ordering_key',
  'order_seq', 'callback_url', 'failure_callback_url', 'callback_due',
)
type NoneLeftOut<T extends never> = T
export type RowColumnsComplete = NoneLeftOut<Exclude<keyof Row, (typeof ROW_COLUMNS)[number]>>

const VIEW = columns(
  'id', 'url', 'method', 'status', 'attempts_made', 'created_at', 'updated_at',
  'next_attempt_at', 'last_error', 'last_status_code', 'attempts', 'ordering_key', 'callback_url', 'failure_callback_url',
)
const DETAIL = columns(...VIEW, 'headers', 'body')
const DUE = columns(
  'id', 'url', 'destination', 'method', 'headers', 'body', 'attempts_made', 'max_attempts', 'timeout_ms', 'timeout_given', 'notify',
  'callback_url', 'failure_callback_url', 'ordering_key',
)

export const VIEW_COLUMNS = VIEW.join(', ')
export const DETAIL_COLUMNS = DETAIL.join(', ')
export const DUE_COLUMNS = DUE.join(', ')

export type ViewRow = Pick<Row, (typeof VIEW)[number]>
export type DetailRow = Pick<Row, (typeof DETAIL)[number]>
export type DueRow = Pick<Row, (typeof DUE)[number]>

export function toView(row: ViewRow): PostbackView {
  return {
    id: row.id,
    postbackUrl: row.url,
    method: row.method,
    status: row.status,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    nextAttemptAt: row.status === 'pending' && row.next_attempt_at !== null ? isoOf(row.next_attempt_at) : null,
    retries: Math.max(0, row.attempts_made - 1),
    lastError: row.last_error,
    lastStatusCode: row.last_status_code,
    attempts: JSON.parse(row.attempts) as Attempt[],
    orderingKey: row.ordering_key,
    callbackUrl: row.callback_url,
    failureCallbackUrl: row.failure_callback_url,
  }
}

export const toDetail = (row: DetailRow, view: PostbackView): PostbackDetail => ({
  ...view,
  payload: JSON.parse(row.body) as unknown,
  headers: JSON.parse(row.headers) as Record<string, string>,
})

/** `destinationTimeoutMs`: the destination's own timeout, which replaces the server default. */
export function toDue(row: DueRow, destinationTimeoutMs: number | null): DueDelivery {
  return {
    id: row.id,
    url: row.url,
    destination: row.destination,
    method: row.method,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    attemptsMade: row.attempts_made,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_given || destinationTimeoutMs === null ? row.timeout_ms : destinationTimeoutMs,
    ...(row.notify === null ? {} : { notify: JSON.parse(row.notify) as Notify }),
    ...(row.callback_url !== null || row.failure_callback_url !== null ? { hasCallbacks: true } : {}),
    ...(row.ordering_key === null ? {} : { orderingKey: row.ordering_key }),
  }
}
