// Security headers. HTML pages (the dashboard, the API docs) get Helmet's full set; JSON answers
// get the few that matter for an API, as constants, since Helmet builds its set anew per request.
import helmet from '@fastify/helmet'
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/** Marks a route as an HTML page: it gets Helmet's headers instead of the API ones. */
export function asPage(route: Pick<RouteOptions, 'config'>): void {
  route.config = Object.assign(route.config ?? {}, { helmet: {} })
}

async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    global: false,
    // Plain HTTP must keep working (self-hosted services often run without TLS on private networks).
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  })
  app.addHook('onRequest', async (request, reply) => {
    if ((request.routeOptions.config as { helmet?: unknown }).helmet === undefined) reply.headers(API_HEADERS)
  })
}

export default fp(securityHeaders, { name: 'security-headers' })
