// Property: whatever arrives over HTTP, the service answers below 500 with {error, message} on
// every 4xx, and keeps serving.
import { connect as tcpConnect } from 'node:net'
import type { LookupFunction } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

/** No DNS in tests: fuzzed hostnames fail to resolve at once. */
const noDns: LookupFunction = ((_host: string, _options: unknown, callback: (error: Error) => void) =>
  callback(Object.assign(new Error('no DNS in tests'), { code: 'ENOTFOUND' }))) as LookupFunction

beforeAll(async () => {
  app = await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'false', BODY_LIMIT_BYTES: '65536' }, { lookup: noDns })
  const doc = (await app.api('/docs/json')).body as { paths: Record<string, Record<string, Operation>> }
  routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path: (param: string) => path.replace(/\{[^}]+\}/g, param),
      template: path,
      body: operation.requestBody?.content['application/json'],
    })),
  )
})
afterAll(() => app.close())

interface Operation {
  requestBody?: { content: Record<string, RequestBody> }
}

interface RequestBody {
  schema: { properties?: Record<string, unknown> }
  example?: Record<string, unknown>
  examples?: Record<string, { value: Record<string, unknown> }>
}

interface Route {
  method: string
  path: (param: string) => string
  /** the path as the document writes it */
  template: string
  body: RequestBody | undefined
}

/** Every route of the OpenAPI document, so that a route added later is fuzzed too. */
let routes: Route[] = []

const FIELDS = [
  'postbackUrl', 'payload', 'method', 'headers', 'idempotencyKey', 'delayMs', 'runAt', 'maxAttempts', 'timeoutMs',
  'notify', 'channel', 'userId', 'event', 'data', 'ack', 'ackTimeoutMs', 'fallback', 'channels', 'expiresIn',
  'socketId', 'status', 'createdFrom', 'createdTo',
]
/** The original service's routes, which accept unknown top-level fields and say so in `warnings`. */
const SEED_ROUTES = ['POST /api/queue/postback', 'POST /api/socket/dispatch']
const QUERY_KEYS = ['status', 'limit', 'cursor', 'postbackUrl', 'createdFrom', 'createdTo', 'channel', 'userId']

/** JSON text nested `depth` levels deep, of arrays, objects or both. */
const nestedText = fc.tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom('[', '{"k":', 'mixed')).map(([depth, open]) => {
  const opens = Array.from({ length: depth }, (_, i) => (open === 'mixed' ? (i % 2 ? '[' : '{"k":') : open))
  return `${opens.join('')}1${opens.reverse().map((o) => (o === '[' ? ']' : '}')).join('')}`
})

/**
 * Date-time strings around what RFC 3339 allows: valid ones, leap seconds, impossible days and
 * months, odd offsets and fractions, other spellings.
 */
const dateText = fc.oneof(
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 61 }),
      fc.constantFrom('', '.5', '.123456789', ','),
      fc.constantFrom('Z', 'z', '+00:00', '-23:59', '+24:00', '+0530', ''),
      fc.constantFrom('T', 't', ' '),
    )
    .map(([y, mo, d, h, mi, sec, fraction, zone, t]) => {
      const two = (n: number) => String(n).padStart(2, '0')
      return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}${t}${two(h)}:${two(mi)}:${two(sec)}${fraction}${zone}`
    }),
  fc.constantFrom('2016-12-31T23:59:60Z', '2016-06-30T23:59:60Z', '2015-02-29T00:00:00Z', 'now', '1700000000000', ''),
)

/** A value of any JSON type, including ones the schema does not expect there. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('https://example.com/hook', 'http://127.0.0.1/', 'ftp://x', 'GET', 'POST', -1, 0, 1e21, '', ' '),
  dateText,
)
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"a":', 'null', '[]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  fc.nat({ max: 70_000 }).map((n) => `{"payload":"${'x'.repeat(n)}"}`),
  fc.tuple(fc.constantFrom('payload', 'data', 'headers', 'notify', 'userId'), nestedText).map(
    ([field, text]) => `{"postbackUrl":"https://example.com/","channel":"c","event":"e","${field}":${text}}`,
  ),
  nestedText,
)
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
)
const pathParam = fc.oneof(
  fc.string({ maxLength: 300 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '..', '%2e%2e', 'a%00b', '%F0%9F%92%A9', 'x'.repeat(5000)),
)
const query = fc
  .array(
    fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), fc.oneof(fc.string({ maxLength: 60 }), dateText)),
    { maxLength: 6 },
  )
  .map((pairs) => new URLSearchParams(pairs).toString())
const authorization = fc.constantFrom(`Bearer ${TOKEN}`, TOKEN, 'Bearer nope', '', 'Basic abc', `Bearer ${TOKEN} extra`)
/** Header values fetch accepts: visible ASCII and spaces. */
const headerValue = fc.string({ maxLength: 100, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })

function expectWellFormed(status: number, text: string, where: string): void {
  expect(status, where).toBeLessThan(500)
  if (status < 400) return
  const answer = JSON.parse(text) as { error?: unknown; message?: unknown }
  expect(answer.error, where).toMatch(/^[A-Z][A-Z0-9_]*$/)
  expect(typeof answer.message, where).toBe('string')
}

describe('HTTP fuzzing', () => {
  it('answers every route below 500, with {error, message} on every 4xx', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(29)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        pathParam,
        query,
        body,
        contentType,
        authorization,
        fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue, { maxKeys: 3 }),
        async (route, param, search, payload, type, auth, extra) => {
          const path = route.path(param) + (search ? `?${search}` : '')
          const headers: Record<string, string> = { ...extra }
          if (auth) headers.authorization = auth
          const withBody = route.method !== 'GET'
          if (withBody && type) headers['content-type'] = type
          const response = await fetch(app.url + path, {
            method: route.method,
            headers,
            ...(withBody ? { body: payload } : {}),
          })
          expectWellFormed(response.status, await response.text(), `${route.method} ${path}`)
        },
      ),
      { numRuns: 1500 },
    )
    expect((await fetch(`${app.url}/health`)).status).toBe(200)
  })

  it('accepts JSON nested up to 64 levels and refuses anything deeper with 400 naming the field', async () => {
    await fc.assert(
      // Up to 9,000 levels: deeper objects would pass the 64 KiB body limit of this app.
      fc.asyncProperty(fc.integer({ min: 1, max: 9_000 }), fc.constantFrom('[', '{"k":'), async (depth, open) => {
        const close = open === '[' ? ']' : '}'
        // The body and payload are levels 1 and 2; the nesting inside starts at level 3.
        const payload = `{"deep":${open.repeat(depth)}1${close.repeat(depth)}}`
        const response = await app.api('/api/queue/postback', {
          body: `{"postbackUrl":"https://example.com/","payload":${payload}}`,
        })
        if (depth + 2 <= 64) expect(response.status, `depth ${depth}`).toBe(200)
        else expect(response.body, `depth ${depth}`).toEqual({ error: 'VALIDATION_ERROR', message: 'body/payload is nested deeper than 64 levels' })
      }),
      { numRuns: 150 },
    )
  })

  it('accepts only dates that name an instant, and every runAt it accepts is scheduled at a real time', async () => {
    await fc.assert(
      fc.asyncProperty(dateText, async (runAt) => {
        const response = await app.api('/api/queue/postback', { body: { postbackUrl: 'https://example.com/', payload: {}, runAt } })
        if (response.status === 400) {
          const { message } = response.body
          // A date-time further ahead than delayMs may go is refused by its own rule.
          if (message !== 'body/runAt must be an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z') {
            expect(message, runAt).toMatch(/^runAt must be at most 31536000000 ms \(365 days\) from now/)
            expect(Date.parse(runAt), runAt).toBeGreaterThan(Date.now() + 31_536_000_000)
          }
          return
        }
        expect(response.status, runAt).toBe(200)
        expect(Number.isFinite(Date.parse(runAt)), runAt).toBe(true)
        const postback = (await app.api(`/api/queue/postback/${response.body.queueId}`)).body
        expect(Number.isFinite(Date.parse(postback.nextAttemptAt ?? postback.updatedAt)), runAt).toBe(true)
        const listed = await app.api(`/api/queue/postback?limit=1&createdFrom=${encodeURIComponent(runAt)}`)
        expect(listed.status, runAt).toBe(200)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses an unknown body field on every route with 400 naming it, except the two seed routes, which say they ignored it', async () => {
    const withBodies = routes.filter((route) => route.method !== 'GET')
    expect(withBodies.length).toBeGreaterThanOrEqual(14)
    const name = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,20}$/).filter((n) => n !== 'constructor')
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBodies), name, fc.jsonValue({ maxDepth: 2 }), async (route, field, value) => {
        const known = route.body?.schema.properties ?? {}
        fc.pre(!Object.hasOwn(known, field))
        const example = route.body?.example ?? Object.values(route.body?.examples ?? {})[0]?.value ?? {}
        const where = `${route.method} ${route.template} with ${field}`
        const response = await app.api(route.path('p1'), { method: route.method, body: { ...example, [field]: value } })
        if (SEED_ROUTES.includes(`${route.method} ${route.template}`)) {
          expect(response.status, where).toBe(200)
          expect(response.body.warnings, where).toEqual([`unknown field '${field}' ignored`])
          return
        }
        expect(response.status, where).toBe(400)
        expect(response.body.error, where).toBe('VALIDATION_ERROR')
        expect(response.body.message, where).toMatch(new RegExp(`^body/${field} is not a known field`))
      }),
      { numRuns: 300 },
    )
  })

  it('survives bytes that are not HTTP at all and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4000 }), async (bytes) => {
        const port = Number(new URL(app.url).port)
        const answer = await new Promise<string>((resolve) => {
          let received = ''
          const socket = tcpConnect(port, '127.0.0.1', () => socket.end(Buffer.from(bytes)))
          socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
          socket.on('error', () => resolve(received))
          socket.on('close', () => resolve(received))
          socket.setTimeout(2000, () => socket.destroy())
        })
        // Whatever answer comes back is a well-formed 4xx.
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]
        if (status) expectWellFormed(Number(status), answer.slice(answer.indexOf('\r\n\r\n') + 4), 'raw bytes')
      }),
      { numRuns: 150 },
    )
    const health = await fetch(`${app.url}/health`)
    expect(health.status).toBe(200)
  })
})
