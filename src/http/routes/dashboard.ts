// GET /dashboard: one page of plain HTML, CSS and JavaScript modules from public/dashboard (beside
// src/ and dist/), and the uPlot charting library from node_modules: no build step, no CDN.
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { extname } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'

const PAGE = new URL('../../../public/dashboard/', import.meta.url)
const UPLOT = new URL('dist/', pathToFileURL(createRequire(import.meta.url).resolve('uplot/package.json')))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/** Every route and the file it serves: the page's own scripts and styles, then uPlot's. */
async function dashboardFiles(): Promise<{ route: string; file: URL }[]> {
  const own = (await readdir(PAGE)).filter((name) => name.endsWith('.js') || name.endsWith('.css'))
  return [
    { route: '/dashboard', file: new URL('index.html', PAGE) },
    ...own.map((name) => ({ route: `/dashboard/${name}`, file: new URL(name, PAGE) })),
    { route: '/dashboard/uplot.js', file: new URL('uPlot.esm.js', UPLOT) },
    { route: '/dashboard/uplot.css', file: new URL('uPlot.min.css', UPLOT) },
  ]
}

const dashboardRoutes: FastifyPluginAsync = async (app) => {
  for (const { route, file } of await dashboardFiles()) {
    const content = await readFile(file)
    const type = TYPES[extname(file.pathname)] ?? 'application/octet-stream'
    app.get(route, { schema: { hide: true }, helmet: {} }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(content),
    )
  }
}

export default dashboardRoutes
