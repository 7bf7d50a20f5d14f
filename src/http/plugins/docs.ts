// GET /docs: the OpenAPI 3.1 document, generated from the route schemas, with Swagger UI.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { VERSION } from '../../version.js'
import { asPage } from '../security-headers.js'
import { closedObjects } from '../validator.js'

async function docs(app: FastifyInstance) {
  // The UI's pages get the HTML security headers.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) asPage(route)
  })
  await app.register(swagger, {
    // Bodies are documented as they are validated: a field an object does not name is refused.
    transform: ({ schema, url }) => ({ schema: schema?.body ? { ...schema, body: closedObjects(schema.body) } : schema, url }),
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Queue Socket Provider',
        version: VERSION,
        description:
          'Durable outbound webhooks (postbacks) and Socket.IO realtime push. Every /api route and /metrics ' +
          'need `Authorization: Bearer <API_TOKEN>` (the raw token also works).',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the API_TOKEN' } },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'postbacks', description: 'Queue JSON for delivery to a URL and watch it' },
        { name: 'sockets', description: 'Push events to Socket.IO connections and see who is connected' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // The UI must load over plain HTTP too (a service on a private network often has no TLS), and
    // Swagger UI sets style attributes.
    transformStaticCSP: (header) =>
      header.replace(/\s*upgrade-insecure-requests;?/, '').replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  })
}

export default fp(docs, { name: 'docs', dependencies: ['security-headers'] })
