// Baseline for enqueue throughput: a bare Fastify route with the service's own auth check, body
// schema, validator and reply, that stores nothing.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import Type from 'typebox'
import { createTokenCheck, tokenFromAuthorization } from '../../src/auth/api-token.js'
import { createValidatorCompiler } from '../../src/http/validator.js'
import { newPostbackId } from '../../src/postbacks/new-postback.js'
import { EnqueueBodySchema } from '../../src/postbacks/schemas.js'

const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>()
app.setValidatorCompiler(createValidatorCompiler())
const check = createTokenCheck(process.env.API_TOKEN!)
app.addHook('onRequest', async (request, reply) => {
  if (!check(tokenFromAuthorization(request.headers.authorization))) {
    return reply.status(401).send({ error: 'UNAUTHORIZED', message: 'Invalid API token' })
  }
})
app.post(
  '/api/queue/postback',
  {
    schema: {
      body: EnqueueBodySchema,
      response: { 200: Type.Object({ success: Type.Boolean(), message: Type.String(), queueId: Type.String() }) },
    },
  },
  async () => ({ success: true, message: 'Postback queued successfully', queueId: newPostbackId(Date.now()) }),
)
const url = await app.listen({ port: 0, host: '127.0.0.1' })
console.log(`listening at ${url}`)
