// What a dispatch accepts and answers, alone and in a batch. The fallback's fields are the
// postback enqueue schema's own, so their limits are written once.
import Type, { type Static } from 'typebox'
import { EnqueueBodySchema } from '../../postbacks/schemas.js'
import { RESERVED_EVENTS } from '../events.js'
import { MAX_TARGETS } from '../rooms.js'
import { Name, Names } from './names.js'

/** How long a durable message waits for an ack by default, and at most (seconds). */
export const DEFAULT_TTL_SECONDS = 604_800
export const MAX_TTL_SECONDS = 2_592_000

export const FallbackSchema = Type.Pick(EnqueueBodySchema, ['postbackUrl', 'method', 'headers'], {
  additionalProperties: false,
  description: 'when nobody receives the event (or, with ack, nobody acknowledges it), queue it as a postback here',
})
export type Fallback = Static<typeof FallbackSchema>

export const DispatchBodySchema = Type.Object(
  {
    channel: Type.Optional(Name('every socket in this channel (with userId or userIds: only those users’ sockets in it)')),
    channels: Type.Optional(Names('a channel', 'every socket in any of these channels; not with channel')),
    userId: Type.Optional(Name('every socket of this user, in any channel')),
    userIds: Type.Optional(Names('a user', 'every socket of any of these users; not with userId')),
    exceptSocketId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'leave this socket out (the sender, say)' })),
    event: Type.String({
      minLength: 1,
      maxLength: 200,
      description: `the event name clients listen to; not one the service or Socket.IO sends (${[...RESERVED_EVENTS].join(', ')})`,
    }),
    data: Type.Optional(Type.Unknown({ description: 'any JSON value, delivered as `data`' })),
    ack: Type.Optional(Type.Boolean({ description: 'wait for clients to acknowledge, up to ackTimeoutMs' })),
    ackTimeoutMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 5000 }),
    fallback: Type.Optional(FallbackSchema),
    durable: Type.Optional(
      Type.Boolean({
        description:
          'store a copy per user (userId or userIds only) until one of that user’s sockets acks it; replayed on every connect until then',
      }),
    ),
    ttlSeconds: Type.Integer({
      minimum: 1,
      maximum: MAX_TTL_SECONDS,
      default: DEFAULT_TTL_SECONDS,
      description: 'with durable: how long the message waits for an ack before it is dropped',
    }),
  },
  {
    title: 'Dispatch',
    examples: [
      { channel: 'my-channel', event: 'notification', data: { title: 'Hi' } },
      { channels: ['team-1', 'team-2'], event: 'release', data: { version: '2.1' }, exceptSocketId: 'abc123' },
      { userId: 'user-123', event: 'invoice.ready', data: { id: 7 }, fallback: { postbackUrl: 'https://example.com/push' } },
      { userIds: ['user-123', 'user-456'], event: 'invoice.ready', data: { id: 7 }, durable: true, ttlSeconds: 86400 },
    ],
  },
)
export type DispatchBody = Static<typeof DispatchBodySchema>

export const DispatchOutcomeSchema = Type.Object(
  {
    dispatchedCount: Type.Integer({ minimum: 0, description: 'distinct sockets the event was sent to' }),
    ackedCount: Type.Optional(Type.Integer({ minimum: 0, description: 'with ack: sockets that acknowledged in time' })),
    fallbackQueueId: Type.Optional(Type.String({ description: 'the postback queued because nobody received the event' })),
    messageId: Type.Optional(Type.String({ description: 'with durable: the stored message, until each user acks their copy' })),
  },
  { title: 'DispatchOutcome', examples: [{ dispatchedCount: 3 }] },
)
export type DispatchResult = Static<typeof DispatchOutcomeSchema>

export const DispatchedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Event dispatched successfully'] }),
    ...DispatchOutcomeSchema.properties,
  },
  { title: 'Dispatched', examples: [{ success: true, message: 'Event dispatched successfully', dispatchedCount: 5 }] },
)

export const BatchBodySchema = Type.Object(
  {
    items: Type.Array(
      Type.Unknown({ description: 'a Dispatch; one that is not valid gets its error in its place' }),
      { minItems: 1, maxItems: MAX_TARGETS, description: `1 to ${MAX_TARGETS} dispatches, sent in order` },
    ),
  },
  {
    title: 'DispatchBatch',
    additionalProperties: false,
    examples: [
      {
        items: [
          { channel: 'team-1', event: 'release', data: { version: '2.1' } },
          { userIds: ['user-123', 'user-456'], event: 'invoice.ready', data: { id: 7 }, durable: true },
        ],
      },
    ],
  },
)

export const ItemErrorSchema = Type.Object(
  { error: Type.String({ description: 'stable UPPER_SNAKE code' }), message: Type.String() },
  { title: 'ItemError' },
)
export type ItemError = Static<typeof ItemErrorSchema>

export const BatchResultsSchema = Type.Object(
  { results: Type.Array(Type.Union([DispatchOutcomeSchema, ItemErrorSchema]), { description: 'one per item, in order' }) },
  {
    title: 'DispatchBatchResults',
    examples: [{ results: [{ dispatchedCount: 4 }, { error: 'VALIDATION_ERROR', message: 'items/1/event must NOT have fewer than 1 characters' }] }],
  },
)
