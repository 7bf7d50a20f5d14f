// Every /api route needs the service token.
import type { FastifyInstance } from 'fastify'
import { createTokenCheck, tokenFromAuthorization } from '../auth/api-token.js'
import { UnauthorizedError } from '../errors.js'

export function requireApiToken(app: FastifyInstance, apiToken: string): void {
  const check = createTokenCheck(apiToken)
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    if (header === undefined || header.trim() === '') {
      throw new UnauthorizedError('Missing Authorization header: send "Authorization: Bearer <API_TOKEN>"')
    }
    if (!check(tokenFromAuthorization(header))) throw new UnauthorizedError('Invalid API token')
  })
}
