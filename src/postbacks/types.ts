// The postback domain's shapes. The status object is a TypeBox schema because the HTTP layer
// serialises and documents it and the socket notification sends it; its type is derived from it.
import Type, { type Static } from 'typebox'

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

export const STATUSES = ['pending', 'processing', 'completed', 'failed', 'canceled'] as const
export type PostbackStatus = (typeof STATUSES)[number]

/** Statuses `POST …/retry` re-queues from; the drivers' retry statements check the same. */
export const RETRYABLE_STATUSES: readonly PostbackStatus[] = ['completed', 'failed', 'canceled']
/** Statuses `DELETE …` cancels in; the drivers' cancel statements check the same. */
export const CANCELABLE_STATUSES: readonly PostbackStatus[] = ['pending']

export const StatusRulesSchema = Type.Array(
  Type.Object({
    status: Type.Enum(STATUSES),
    retryable: Type.Boolean({ description: 'POST /api/queue/postback/:id/retry re-queues a postback in this status' }),
    cancelable: Type.Boolean({ description: 'DELETE /api/queue/postback/:id cancels a postback in this status' }),
  }),
  {
    title: 'PostbackStatuses',
    description: 'Every status a postback can have, in the order of its life, and what each allows',
    examples: [
      [
        { status: 'pending', retryable: false, cancelable: true },
        { status: 'failed', retryable: true, cancelable: false },
      ],
    ],
  },
)

export type StatusRule = Static<typeof StatusRulesSchema>[number]

export const STATUS_RULES: StatusRule[] = STATUSES.map((status) => ({
  status,
  retryable: RETRYABLE_STATUSES.includes(status),
  cancelable: CANCELABLE_STATUSES.includes(status),
}))

export const AttemptSchema = Type.Object({
  at: Type.String({ format: 'date-time', description: 'when the attempt started' }),
  durationMs: Type.Integer({ minimum: 0 }),
  statusCode: Type.Optional(Type.Integer({ description: 'the receiver’s HTTP status, when it answered' })),
  error: Type.Optional(Type.String({ description: 'why the attempt failed' })),
  responseBody: Type.Optional(Type.String({ description: 'the first 1 KiB of the receiver’s answer' })),
  probe: Type.Optional(
    Type.Literal(true, { description: 'made to probe a quarantined destination; not counted against maxAttempts' }),
  ),
})
export type Attempt = Static<typeof AttemptSchema>

export const PostbackViewSchema = Type.Object(
  {
    id: Type.String(),
    postbackUrl: Type.String(),
    method: Type.Enum(HTTP_METHODS),
    status: Type.Enum(STATUSES),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    retries: Type.Integer({ minimum: 0, description: 'attempts made − 1 (0 until a second attempt starts)' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    attempts: Type.Array(AttemptSchema),
    orderingKey: Type.Union([Type.String(), Type.Null()], { description: 'attempted in order with others of this key' }),
    callbackUrl: Type.Union([Type.String(), Type.Null()], { description: 'told when it completes' }),
    failureCallbackUrl: Type.Union([Type.String(), Type.Null()], { description: 'told when it fails' }),
  },
  {
    title: 'Postback',
    description: 'A postback and its delivery history',
    examples: [
      {
        id: '1705123456789-abc123def',
        postbackUrl: 'https://example.com/webhook',
        method: 'POST',
        status: 'completed',
        createdAt: '2024-01-15T10:30:00.000Z',
        updatedAt: '2024-01-15T10:30:01.250Z',
        nextAttemptAt: null,
        retries: 1,
        lastError: null,
        lastStatusCode: 200,
        attempts: [
          { at: '2024-01-15T10:30:00.004Z', durationMs: 250, statusCode: 503, responseBody: 'busy' },
          { at: '2024-01-15T10:30:01.230Z', durationMs: 20, statusCode: 200, responseBody: 'ok' },
        ],
        orderingKey: null,
        callbackUrl: null,
        failureCallbackUrl: null,
      },
    ],
  },
)
export type PostbackView = Static<typeof PostbackViewSchema>

/** The status object with what was queued; only GET /api/queue/postback/:id shows it. */
export const PostbackDetailSchema = Type.Object(
  {
    ...PostbackViewSchema.properties,
    payload: Type.Unknown({ description: 'the payload that was queued' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'the headers that were queued' }),
  },
  { title: 'PostbackDetail', description: 'A postback, its delivery history and what was queued' },
)
export type PostbackDetail = Static<typeof PostbackDetailSchema>

/** Where a finished postback is announced over the sockets. */
export interface Notify {
  channel?: string
  userId?: string
}

/** What gets stored for a new postback, after validation and defaults. */
export interface NewPostback {
  id: string
  url: string
  /** scheme://host:port, the unit of per-receiver fairness */
  destination: string
  method: HttpMethod
  headers: Record<string, string>
  /** the payload, encoded once as JSON */
  body: string
  maxAttempts: number
  /** per-attempt timeout: the caller's, or POSTBACK_TIMEOUT_MS */
  timeoutMs: number
  /** false when timeoutMs is the server's default, which a destination's own timeout replaces */
  timeoutGiven: boolean
  createdAt: number
  runAt: number
  idempotencyKey?: string
  /** with an idempotency key: a digest of what was asked (URL, method, headers, payload) */
  fingerprint?: string
  notify?: Notify
  /** attempted one at a time, in order, with the destination's other postbacks of this key */
  orderingKey?: string
  callbackUrl?: string
  failureCallbackUrl?: string
}

/** The destination's signing secrets, as a delivery needs them (SPEC §7). */
export interface DestinationSigning {
  /** the destination's own secret; absent: POSTBACK_SIGNING_SECRET */
  secret?: string
  /** the secret in use before the last rotation */
  previousSecret?: string
  /** when the secret last changed, epoch ms */
  rotatedAt?: number
}

/** A postback picked for one delivery attempt. */
export interface DueDelivery
  extends Pick<
    NewPostback,
    'id' | 'url' | 'destination' | 'method' | 'headers' | 'body' | 'maxAttempts' | 'timeoutMs' | 'notify' | 'orderingKey'
  > {
  /** attempts finished before this one */
  attemptsMade: number
  /** this attempt probes a quarantined destination: it does not count against maxAttempts */
  probe?: boolean
  signing?: DestinationSigning
  /** it has a callback URL: the store keeps its end until the handler has queued the callback */
  hasCallbacks?: boolean
}

/** The result of one attempt and what happens next, decided by the retry policy. */
export type AttemptOutcome =
  | { kind: 'completed'; attempt: Attempt }
  | { kind: 'retry'; attempt: Attempt; retryAt: number }
  | { kind: 'failed'; attempt: Attempt }
