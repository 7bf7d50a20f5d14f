// /api/queue/postback: queue postbacks, watch them, re-queue and cancel them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { codes, ValidationError } from '../../errors.js'
import { EnqueueBodySchema, ListQuerySchema, RetryFilterSchema } from '../../postbacks/schemas.js'
import { InvalidCursorError } from '../../postbacks/store.js'
import { PostbackDetailSchema, PostbackViewSchema } from '../../postbacks/types.js'
import { noBodyAsEmptyObject } from '../json-body.js'
import { apiErrors, bodyErrors, conflict, errorSchema, notFound, storeFull } from '../schemas.js'
import { reportingUnknownFields } from '../unknown-fields.js'

const QueuedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Postback queued successfully'] }),
    queueId: Type.String({ examples: ['1705123456789-abc123def'] }),
  },
  {
    title: 'PostbackQueued',
    examples: [{ success: true, message: 'Postback queued successfully', queueId: '1705123456789-abc123def' }],
  },
)

const RequeuedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Postbacks re-queued'] }),
    count: Type.Integer({ minimum: 0, description: 'how many postbacks were re-queued' }),
  },
  { title: 'PostbacksRequeued', examples: [{ success: true, message: 'Postbacks re-queued', count: 12 }] },
)

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'a repeat with the same key returns the first queueId' })),
})

const postbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/queue/postback',
    reportingUnknownFields({
      schema: {
        summary: 'Queue a postback',
        tags: ['postbacks'],
        description:
          'Stores the postback durably, answers at once and delivers it in the background. A repeat with the same ' +
          'idempotency key within the retention window returns the first queueId and queues nothing. Unknown top-level ' +
          'fields are ignored, as the original service did, and named in `warnings`; unknown fields inside `notify` are refused.',
        headers: IdempotencyHeaders,
        body: EnqueueBodySchema,
        response: {
          200: QueuedSchema,
          ...apiErrors,
          ...bodyErrors,
          422: errorSchema(`The Idempotency-Key was used for a different request (${codes.IDEMPOTENCY_KEY_REUSED})`),
          ...storeFull,
        },
      },
    }),
    async (request, reply) => {
      const { id, created } = await app.postbacks.enqueue(request.body, request.headers['idempotency-key'])
      if (!created) reply.header('idempotent-replayed', 'true')
      return { success: true as const, message: 'Postback queued successfully', queueId: id }
    },
  )

  app.get(
    '/queue/postback/:id',
    {
      schema: {
        summary: 'Get a postback’s status, attempts and what was queued',
        tags: ['postbacks'],
        description: 'The only answer that shows the payload and headers that were queued.',
        params: IdParams,
        response: { 200: PostbackDetailSchema, ...apiErrors, ...notFound },
      },
    },
    async (request) => app.postbacks.get(request.params.id),
  )

  app.get(
    '/queue/postback',
    {
      schema: {
        summary: 'List postbacks, newest first',
        tags: ['postbacks'],
        description: 'The body is an array; a `Link: <…>; rel="next"` header announces the next page.',
        querystring: ListQuerySchema,
        response: { 200: Type.Array(PostbackViewSchema), ...apiErrors },
      },
    },
    async (request, reply) => {
      let page
      try {
        page = await app.postbacks.list(request.query)
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new ValidationError(`querystring/cursor: ${error.message}`)
        throw error
      }
      if (page.nextCursor !== undefined) {
        const next = new URLSearchParams()
        for (const [key, value] of Object.entries(request.query)) {
          if (key !== 'cursor' && value !== undefined) next.set(key, String(value))
        }
        next.set('cursor', page.nextCursor)
        reply.header('link', `<${request.url.split('?')[0]}?${next.toString()}>; rel="next"`)
      }
      return page.items
    },
  )

  app.post(
    '/queue/postback/:id/retry',
    {
      schema: {
        summary: 'Re-queue a finished postback with a fresh attempt budget',
        tags: ['postbacks'],
        params: IdParams,
        response: { 200: PostbackViewSchema, ...apiErrors, ...notFound, ...conflict },
      },
    },
    async (request) => app.postbacks.retry(request.params.id),
  )

  app.post(
    '/queue/postback/retry',
    {
      schema: {
        summary: 'Re-queue every finished postback that matches a filter',
        tags: ['postbacks'],
        description: 'By default every failed postback; an empty body is allowed.',
        body: RetryFilterSchema,
        response: { 200: RequeuedSchema, ...apiErrors },
      },
      preValidation: noBodyAsEmptyObject,
    },
    async (request) => {
      const count = await app.postbacks.retryMany(request.body)
      return { success: true as const, message: 'Postbacks re-queued', count }
    },
  )

  app.delete(
    '/queue/postback/:id',
    {
      schema: {
        summary: 'Cancel a pending postback',
        tags: ['postbacks'],
        params: IdParams,
        response: { 200: PostbackViewSchema, ...apiErrors, ...notFound, ...conflict },
      },
    },
    async (request) => app.postbacks.cancel(request.params.id),
  )
}

export default postbackRoutes
