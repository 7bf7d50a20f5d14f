import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, request, startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
})
afterAll(() => app.close())

const routes: { method: string; path: string; body?: unknown }[] = [
  { method: 'POST', path: '/api/queue/postback', body: { postbackUrl: 'https://example.com/', payload: {} } },
  { method: 'GET', path: '/api/queue/postback' },
  { method: 'GET', path: '/api/queue/postback/some-id' },
  { method: 'POST', path: '/api/socket/dispatch', body: { channel: 'c', event: 'e', data: {} } },
  { method: 'GET', path: '/api/socket/sockets/stats' },
  { method: 'GET', path: '/api/socket/sockets/channel/c/stats' },
  { method: 'POST', path: '/api/queue/postback/some-id/retry' },
  { method: 'POST', path: '/api/queue/postback/retry', body: {} },
  { method: 'DELETE', path: '/api/queue/postback/some-id' },
  { method: 'GET', path: '/api/queue/stats' },
  { method: 'POST', path: '/api/socket/token', body: { userId: 'u' } },
  { method: 'POST', path: '/api/socket/disconnect', body: { channel: 'c' } },
]

describe.each(routes)('$method $path', ({ method, path, body }) => {
  const call = (authorization?: string) =>
    request(app.url, path, { method, body, token: null, headers: authorization === undefined ? {} : { authorization } })

  it('answers 401 without an Authorization header', async () => {
    const response = await call()
    expect(response.status).toBe(401)
    expect(response.body.error).toBe('UNAUTHORIZED')
    expect(response.body.message).toMatch(/Authorization/)
    expect(response.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('answers 401 for a wrong token, bearer or raw', async () => {
    for (const header of [`Bearer ${TOKEN}x`, 'wrong', 'Bearer ', `Basic ${TOKEN}`]) {
      const response = await call(header)
      expect(response.status, header).toBe(401)
      expect(response.body).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String) })
    }
  })

  it('accepts the token as "Bearer <token>" and as the raw token', async () => {
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, TOKEN]) {
      const response = await call(header)
      expect([200, 404], header).toContain(response.status)
    }
  })
})

describe('GET /health', () => {
  it('is open and reports the store', async () => {
    const response = await request(app.url, '/health', { token: null })
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ status: 'ok', store: 'sqlite', uptime: expect.any(Number) })
    expect(new Date(response.body.timestamp).toISOString()).toBe(response.body.timestamp)
  })
})
