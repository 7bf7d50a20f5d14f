import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, TOKEN, type TestApp } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'

let app: TestApp
let receiver: Receiver

beforeAll(async () => {
  receiver = await startReceiver()
  app = await startApp({ BODY_LIMIT_BYTES: '2048', ALLOWED_ORIGINS: 'http://localhost:3000' })
})
afterAll(async () => {
  await app.close()
  await receiver.close()
})

describe('POST /api/queue/postback', () => {
  it('answers exactly as the original did', async () => {
    const response = await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { a: 1 } } })
    expect(response.status).toBe(200)
    expect(Object.keys(response.body).sort()).toEqual(['message', 'queueId', 'success'])
    expect(response.body).toMatchObject({ success: true, message: 'Postback queued successfully' })
    expect(response.body.queueId).toMatch(/^\d{13}-[0-9a-z]{9}$/)
  })

  const invalid: [string, unknown, RegExp][] = [
    ['no postbackUrl', { payload: {} }, /postbackUrl/],
    ['no payload', { postbackUrl: 'https://example.com/' }, /payload/],
    ['a relative postbackUrl', { postbackUrl: '/hook', payload: {} }, /postbackUrl/],
    ['a non-http postbackUrl', { postbackUrl: 'ftp://example.com/x', payload: {} }, /postbackUrl/],
    ['a postbackUrl with credentials', { postbackUrl: 'https://u:p@example.com/', payload: {} }, /postbackUrl/],
    ['a postbackUrl that is not a string', { postbackUrl: 42, payload: {} }, /postbackUrl/],
    ['a payload that is an array', { postbackUrl: 'https://example.com/', payload: [1, 2] }, /payload/],
    ['a payload that is a string', { postbackUrl: 'https://example.com/', payload: 'text' }, /payload/],
    ['an unknown method', { postbackUrl: 'https://example.com/', payload: {}, method: 'DELETE' }, /method/],
    ['headers that are not an object', { postbackUrl: 'https://example.com/', payload: {}, headers: 'x' }, /headers/],
    ['a header value that is an object', { postbackUrl: 'https://example.com/', payload: {}, headers: { a: {} } }, /headers/],
    ['an invalid header name', { postbackUrl: 'https://example.com/', payload: {}, headers: { 'bad name': 'x' } }, /headers/],
    ['a header value with a line break', { postbackUrl: 'https://example.com/', payload: {}, headers: { x: 'a\r\nb' } }, /headers/],
    ['a header the server sets', { postbackUrl: 'https://example.com/', payload: {}, headers: { 'Content-Length': '1' } }, /Content-Length/],
    ['a body that is not an object', [1], /body/],
  ]
  it.each(invalid)('refuses %s with 400 naming the field', async (_name, body, field) => {
    const response = await app.api('/api/queue/postback', { body })
    expect(response.status).toBe(400)
    expect(response.body.error).toBe('VALIDATION_ERROR')
    expect(response.body.message).toMatch(field)
  })

  it('refuses malformed JSON with 400 INVALID_JSON', async () => {
    const response = await app.api('/api/queue/postback', { body: '{"postbackUrl": ' })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'INVALID_JSON', message: expect.any(String) })
  })

  it('refuses an empty JSON body with 400 naming the body', async () => {
    const response = await app.api('/api/queue/postback', { method: 'POST', headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: 'body is required: a JSON object' })
  })

  it('refuses a body that is not JSON with 415', async () => {
    const response = await app.api('/api/queue/postback', { body: 'a=1', headers: { 'content-type': 'text/plain' } })
    expect(response.status).toBe(415)
    expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE')
  })

  it('refuses a body over BODY_LIMIT_BYTES with 413', async () => {
    const response = await app.api('/api/queue/postback', {
      body: { postbackUrl: receiver.url(), payload: { big: 'x'.repeat(4000) } },
    })
    expect(response.status).toBe(413)
    expect(response.body.error).toBe('PAYLOAD_TOO_LARGE')
  })
})

describe('GET /api/queue/postback[/:id]', () => {
  it('answers 404 with {error, message} for an unknown id', async () => {
    const response = await app.api('/api/queue/postback/nope-123')
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ error: 'NOT_FOUND', message: 'No postback with id nope-123' })
  })

  it('lists postbacks newest first as a JSON array', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const { body } = await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { i } } })
      ids.push(body.queueId)
    }
    const response = await app.api('/api/queue/postback')
    expect(response.status).toBe(200)
    expect(Array.isArray(response.body)).toBe(true)
    const listed = response.body.map((p: any) => p.id)
    expect(listed.slice(0, 3)).toEqual(ids.reverse())
    for (const postback of response.body) {
      expect(postback).toMatchObject({ id: expect.any(String), postbackUrl: expect.any(String), status: expect.any(String), retries: expect.any(Number) })
    }
  })
})

describe('unknown routes', () => {
  it('answer 404 with {error, message}', async () => {
    const response = await app.api('/api/nothing-here')
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ error: 'NOT_FOUND', message: 'Route GET /api/nothing-here not found' })
  })
})

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(`${app.url}/api/queue/postback/some-id`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    })

  it('lets an allowed origin cancel postbacks and read the paging header', async () => {
    const response = await preflight('http://localhost:3000')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    expect(response.headers.get('access-control-allow-methods')?.split(/, */)).toContain('DELETE')
    const list = await fetch(`${app.url}/api/queue/postback`, {
      headers: { origin: 'http://localhost:3000', authorization: `Bearer ${TOKEN}` },
    })
    expect(list.headers.get('access-control-expose-headers')).toBe('Link')
  })

  it('answers an OPTIONS request that is no preflight with the JSON error shape', async () => {
    const incomplete: Record<string, string>[] = [{}, { origin: 'http://localhost:3000' }, { 'access-control-request-method': 'POST' }]
    for (const headers of incomplete) {
      const response = await app.api('/api/queue/postback', { method: 'OPTIONS', token: null, headers })
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(response.body).toEqual({
        error: 'BAD_REQUEST',
        message: 'An OPTIONS request is a CORS preflight: it needs Origin and Access-Control-Request-Method headers',
      })
    }
  })

  it('gives any other origin no CORS grant', async () => {
    const response = await preflight('https://elsewhere.example')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('security headers', () => {
  it('puts the API headers on JSON answers, errors included', async () => {
    for (const path of ['/api/queue/postback', '/api/nothing-here', '/health']) {
      const response = await app.api(path)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
    }
  })

  it('puts Helmet’s headers on the dashboard page, with a CSP that lets its own script run', async () => {
    const response = await fetch(`${app.url}/dashboard`)
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(response.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/)
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
