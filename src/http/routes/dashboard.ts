// GET /dashboard: one self-contained page (HTML, CSS and a script, no build step, no CDN),
// served from public/dashboard beside src/ and dist/.
import { readFile } from 'node:fs/promises'
import type { FastifyPluginAsync } from 'fastify'

const ASSETS = new URL('../../../public/dashboard/', import.meta.url)

const FILES = [
  { route: '/dashboard', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/dashboard/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/dashboard/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
]

const dashboardRoutes: FastifyPluginAsync = async (app) => {
  for (const { route, file, type } of FILES) {
    const content = await readFile(new URL(file, ASSETS))
    app.get(route, { schema: { hide: true }, helmet: {} }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(content),
    )
  }
}

export default dashboardRoutes
