// /api/queue: queue postbacks and watch them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ValidationError } from '../../errors.js'
import { EnqueueBodySchema } from '../../postbacks/schemas.js'
import { InvalidCursorError } from '../../postbacks/stores/store.js'
import { PostbackViewSchema, STATUSES } from '../../postbacks/types.js'
import { ErrorSchema, apiErrors } from '../schemas.js'

const QueuedSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Postback queued successfully'] }),
    queueId: Type.String({ examples: ['1705123456789-abc123def'] }),
  },
  { title: 'PostbackQueued' },
)

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

const ListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(STATUSES)),
  postbackUrl: Type.Optional(Type.String({ minLength: 1, description: 'only postbacks whose URL starts with this' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'from the Link header of the previous page' })),
})

const postbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/queue/postback',
    {
      schema: {
        summary: 'Queue a postback',
        description: 'Stores the postback durably, answers at once and delivers it in the background.',
        body: EnqueueBodySchema,
        response: { 200: QueuedSchema, ...apiErrors, 413: ErrorSchema, 415: ErrorSchema },
      },
    },
    async (request) => {
      const { id } = await app.postbacks.enqueue(request.body)
      return { success: true as const, message: 'Postback queued successfully', queueId: id }
    },
  )

  app.get(
    '/queue/postback/:id',
    {
      schema: {
        summary: 'Get a postback’s status and attempts',
        params: IdParams,
        response: { 200: PostbackViewSchema, ...apiErrors, 404: ErrorSchema },
      },
    },
    async (request) => app.postbacks.get(request.params.id),
  )

  app.get(
    '/queue/postback',
    {
      schema: {
        summary: 'List postbacks, newest first',
        description: 'The body is an array; a `Link: <…>; rel="next"` header announces the next page.',
        querystring: ListQuerySchema,
        response: { 200: Type.Array(PostbackViewSchema), ...apiErrors },
      },
    },
    async (request, reply) => {
      const { postbackUrl, ...query } = request.query
      let page
      try {
        page = await app.postbacks.list({ ...query, ...(postbackUrl === undefined ? {} : { urlPrefix: postbackUrl }) })
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
        reply.header('link', `<${request.url.split('?')[0]}?${next}>; rel="next"`)
      }
      return page.items
    },
  )
}

export default postbackRoutes
