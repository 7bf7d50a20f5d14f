// Property: whatever arrives over HTTP, the service answers below 500 with {error, message} on
// every 4xx, and keeps serving.
import { connect as tcpConnect } from 'node:net'
import type { LookupFunction } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

/** No DNS in tests: fuzzed hostnames fail to resolve at once. */
const noDns: LookupFunction = ((_host: string, _options: unknown, callback: Function) =>
  callback(Object.assign(new Error('no DNS in tests'), { code: 'ENOTFOUND' }))) as LookupFunction

beforeAll(async () => {
  app = await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'false', BODY_LIMIT_BYTES: '65536' }, { lookup: noDns })
})
afterAll(() => app.close())

const ROUTES: { method: string; path: (param: string) => string }[] = [
  { method: 'GET', path: () => '/health' },
  { method: 'GET', path: () => '/metrics' },
  { method: 'POST', path: () => '/api/queue/postback' },
  { method: 'GET', path: () => '/api/queue/postback' },
  { method: 'GET', path: (p) => `/api/queue/postback/${p}` },
  { method: 'POST', path: (p) => `/api/queue/postback/${p}/retry` },
  { method: 'POST', path: () => '/api/queue/postback/retry' },
  { method: 'DELETE', path: (p) => `/api/queue/postback/${p}` },
  { method: 'GET', path: () => '/api/queue/stats' },
  { method: 'POST', path: () => '/api/socket/dispatch' },
  { method: 'POST', path: () => '/api/socket/token' },
  { method: 'POST', path: () => '/api/socket/disconnect' },
  { method: 'GET', path: () => '/api/socket/sockets/stats' },
  { method: 'GET', path: (p) => `/api/socket/sockets/channel/${p}/stats` },
]

const FIELDS = [
  'postbackUrl', 'payload', 'method', 'headers', 'idempotencyKey', 'delayMs', 'runAt', 'maxAttempts', 'timeoutMs',
  'notify', 'channel', 'userId', 'event', 'data', 'ack', 'ackTimeoutMs', 'fallback', 'channels', 'expiresIn',
  'socketId', 'status', 'createdFrom', 'createdTo',
]
const QUERY_KEYS = ['status', 'limit', 'cursor', 'postbackUrl', 'createdFrom', 'createdTo', 'channel', 'userId']

/** A value of any JSON type, including ones the schema does not expect there. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('https://example.com/hook', 'http://127.0.0.1/', 'ftp://x', 'GET', 'POST', -1, 0, 1e21, '', ' '),
)
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"a":', 'null', '[]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  fc.nat({ max: 70_000 }).map((n) => `{"payload":"${'x'.repeat(n)}"}`),
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
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), fc.string({ maxLength: 60 })), { maxLength: 6 })
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
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
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
