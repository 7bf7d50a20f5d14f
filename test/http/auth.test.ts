// Who may do what: every route and the sockets, against every kind of credential.
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientTokenKey } from '../../src/auth/client-tokens.js'
import { TOKEN, request, startApp, type ApiResponse, type TestApp } from '../helpers/app.js'
import { connect, connectError } from '../helpers/sockets.js'

let app: TestApp
let clientToken: string
let expiredClientToken: string
let tamperedClientToken: string
const seen: ApiResponse[] = []

beforeAll(async () => {
  app = await startApp()
  clientToken = (await app.api('/api/socket/token', { body: { userId: 'ana', channels: ['room'] } })).body.token
  expiredClientToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ana')
    .setAudience('queue-socket-provider:socket')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(clientTokenKey(TOKEN))
  const [header, payload, signature] = clientToken.split('.')
  tamperedClientToken = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`
})
afterAll(() => app.close())

const routes: { method: string; path: string; body?: unknown }[] = [
  { method: 'POST', path: '/api/queue/postback', body: { postbackUrl: 'https://example.com/', payload: {} } },
  { method: 'GET', path: '/api/queue/postback' },
  { method: 'GET', path: '/api/queue/postback/some-id' },
  { method: 'POST', path: '/api/queue/postback/some-id/retry' },
  { method: 'POST', path: '/api/queue/postback/retry', body: {} },
  { method: 'DELETE', path: '/api/queue/postback/some-id' },
  { method: 'GET', path: '/api/queue/stats' },
  { method: 'POST', path: '/api/socket/dispatch', body: { channel: 'c', event: 'e', data: {} } },
  { method: 'POST', path: '/api/socket/token', body: { userId: 'u' } },
  { method: 'POST', path: '/api/socket/disconnect', body: { channel: 'c' } },
  { method: 'GET', path: '/api/socket/sockets/stats' },
  { method: 'GET', path: '/api/socket/sockets/channel/c/stats' },
  { method: 'GET', path: '/metrics' },
]

describe.each(routes)('$method $path', ({ method, path, body }) => {
  const call = async (authorization?: string) => {
    const response = await request(app.url, path, { method, body, token: null, headers: authorization === undefined ? {} : { authorization } })
    seen.push(response)
    return response
  }

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

  it('answers 401 for client tokens, valid, expired or tampered: they are for sockets only', async () => {
    for (const token of [clientToken, expiredClientToken, tamperedClientToken]) {
      const response = await call(`Bearer ${token}`)
      expect(response.status).toBe(401)
      expect(response.body.error).toBe('UNAUTHORIZED')
    }
  })

  it('accepts the API token as "Bearer <token>" and as the raw token', async () => {
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, TOKEN]) {
      const response = await call(header)
      expect([200, 404, 409], header).toContain(response.status)
    }
  })
})

describe('sockets', () => {
  const refused: [string, () => Record<string, unknown>, string][] = [
    ['no token', () => ({ auth: {} }), 'UNAUTHORIZED'],
    ['a wrong token', () => ({ auth: { token: 'wrong' } }), 'UNAUTHORIZED'],
    ['an expired client token', () => ({ auth: { token: expiredClientToken } }), 'TOKEN_EXPIRED'],
    ['a tampered client token', () => ({ auth: { token: tamperedClientToken } }), 'INVALID_TOKEN'],
  ]
  it.each(refused)('refuse %s', async (_name, options, code) => {
    const error = await connectError(app.url, { channel: 'room' }, options())
    expect(error.data?.error).toBe(code)
  })

  it('accept the API token and a valid client token', async () => {
    for (const token of [TOKEN, clientToken]) {
      const { socket, info } = await connect(app.url, { channel: 'room' }, { auth: { token } })
      expect(info.channel).toBe('room')
      socket.close()
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

describe('the API token', () => {
  it('is never echoed in any answer above', () => {
    expect(seen.length).toBeGreaterThan(100)
    for (const response of seen) {
      expect(JSON.stringify(response.body) ?? '').not.toContain(TOKEN)
      for (const [, value] of response.headers) expect(value).not.toContain(TOKEN)
    }
  })
})
