// What a caller may send to queue or re-queue postbacks. Rules a JSON schema cannot say (URL
// scheme, header syntax, server limits) are checked by new-postback.ts.
import Type, { type Static } from 'typebox'
import { EARLIEST, LATEST, MAX_DELAY_MS } from './instants.js'
import { HTTP_METHODS, STATUSES } from './types.js'

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description })

export const NotifySchema = Type.Object(
  {
    channel: Type.Optional(Name('sockets in this channel (with userId: only that user’s)')),
    userId: Type.Optional(Name('sockets of this user')),
  },
  {
    minProperties: 1,
    additionalProperties: false,
    description: 'when the postback ends, dispatch postback.completed or postback.failed with its status here',
  },
)

export const EnqueueBodySchema = Type.Object(
  {
    postbackUrl: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'absolute http or https URL that receives the postback',
      examples: ['https://example.com/webhook'],
    }),
    payload: Type.Object({}, { additionalProperties: true, description: 'the JSON object to deliver' }),
    method: Type.Optional(Type.Enum(HTTP_METHODS, { description: 'HTTP method, POST by default' })),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 8192 }), {
        maxProperties: 64,
        description: 'extra request headers sent with every attempt',
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'same as the Idempotency-Key header' }),
    ),
    delayMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS, description: 'wait this long before the first attempt (at most 365 days)' }),
    ),
    runAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: `make the first attempt at this time: at most ${MAX_DELAY_MS} ms (365 days) from now, as delayMs`,
      }),
    ),
    maxAttempts: Type.Optional(
      Type.Integer({ minimum: 1, description: 'attempts in all for this postback (at most POSTBACK_MAX_ATTEMPTS_LIMIT)' }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, description: 'per-attempt timeout for this postback (at most POSTBACK_TIMEOUT_LIMIT_MS)' }),
    ),
    notify: Type.Optional(NotifySchema),
    callbackUrl: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'when it completes, postback.completed is POSTed here' }),
    ),
    failureCallbackUrl: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'when it fails, postback.failed is POSTed here' }),
    ),
    orderingKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'postbacks to the same destination with the same key are attempted one at a time, in order',
      }),
    ),
  },
  {
    title: 'EnqueuePostback',
    examples: [
      {
        postbackUrl: 'https://example.com/webhook',
        payload: { event: 'user.created', userId: '123' },
        headers: { 'X-Custom-Header': 'value' },
      },
    ],
  },
)
export type EnqueueBody = Static<typeof EnqueueBodySchema>

/** Optional fields with defaults: the validator fills them in, and the service reads the same values. */
export const LIST_LIMIT_DEFAULT = 1000
export const RETRY_STATUS_DEFAULT = 'failed'

const DATE_RANGE = `${EARLIEST} to ${LATEST}`

/** Which postbacks a filter selects; shared by listing and bulk retry. */
export const FilterProperties = {
  postbackUrl: Type.Optional(Type.String({ minLength: 1, description: 'only postbacks whose URL starts with this' })),
  createdFrom: Type.Optional(Type.String({ format: 'date-time', description: `created at or after this time (${DATE_RANGE})` })),
  createdTo: Type.Optional(Type.String({ format: 'date-time', description: `created at or before this time (${DATE_RANGE})` })),
}

export const RetryFilterSchema = Type.Object(
  {
    status: Type.Optional(
      Type.Enum(['failed', 'completed'], { default: RETRY_STATUS_DEFAULT, description: 'which ended postbacks to re-queue' }),
    ),
    ...FilterProperties,
  },
  {
    title: 'RetryFilter',
    additionalProperties: false,
    examples: [{ status: 'failed', postbackUrl: 'https://example.com/', createdFrom: '2024-01-15T00:00:00.000Z' }],
  },
)
export type RetryFilter = Static<typeof RetryFilterSchema>

export const ListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(STATUSES)),
  ...FilterProperties,
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: LIST_LIMIT_DEFAULT,
      default: LIST_LIMIT_DEFAULT,
      description: 'at most this many, newest first; the default is the maximum, for clients that do not page',
    }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'from the Link header of the previous page' }),
  ),
})
export type ListQueryInput = Static<typeof ListQuerySchema>
