// Requests no route takes: a known path asked with a method it does not have (405 with Allow), a
// destination written into the path without URL-encoding (400 showing the encoded path), and
// paths nothing serves (404).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
})
afterAll(() => app.close())

describe('a known path with a method it does not have', () => {
  it.each([
    ['PUT', '/api/queue/stats', 'GET, HEAD'],
    ['DELETE', '/api/queue/postback', 'GET, HEAD, POST'],
    ['GET', '/api/socket/dispatch', 'POST'],
    ['PUT', '/api/destinations/https%3A%2F%2Fapi.example.com', 'GET, HEAD, PATCH'],
    ['GET', '/api/destinations/https%3A%2F%2Fapi.example.com/pause', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
  ])('%s %s answers 405 naming the allowed methods, with an Allow header', async (method, path, allowed) => {
    const response = await app.api(path, { method })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe(allowed)
    expect(response.body).toEqual({ error: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${path}; it allows ${allowed}` })
  })

  it('answers 405 to a HEAD request without a body', async () => {
    const response = await fetch(`${app.url}/api/socket/dispatch`, { method: 'HEAD' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('answers 404 for a path nothing serves, whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'POST']) {
      const response = await app.api('/api/queue/nothing', { method })
      expect(response.status).toBe(404)
      expect(response.body).toEqual({ error: 'NOT_FOUND', message: `Route ${method} /api/queue/nothing not found` })
    }
  })
})

describe('a destination in the path without URL-encoding', () => {
  it.each([
    ['GET', '/api/destinations/http://127.0.0.1:4110', '/api/destinations/http%3A%2F%2F127.0.0.1%3A4110'],
    ['POST', '/api/destinations/https://api.example.com/pause', '/api/destinations/https%3A%2F%2Fapi.example.com/pause'],
    ['GET', '/api/destinations/https://api.example.com/resume', '/api/destinations/https%3A%2F%2Fapi.example.com/resume'],
    ['DELETE', '/api/destinations/https://api.example.com:8443/secret', '/api/destinations/https%3A%2F%2Fapi.example.com%3A8443/secret'],
  ])('%s %s answers 400 showing the encoded path', async (method, path, encoded) => {
    const response = await app.api(path, { method })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({
      error: 'VALIDATION_ERROR',
      message: `the destination in the path must be URL-encoded: ${method} ${encoded}`,
    })
  })

  it('answers 400 for one with a path, as an encoded one with a path is', async () => {
    const unencoded = await app.api('/api/destinations/https://api.example.com/hooks/orders')
    expect(unencoded.status).toBe(400)
    expect(unencoded.body).toEqual({
      error: 'VALIDATION_ERROR',
      message:
        'a destination is an origin (scheme, host and port) without a path, and URL-encoded in the path: GET /api/destinations/https%3A%2F%2Fapi.example.com',
    })
    const encoded = await app.api(`/api/destinations/${encodeURIComponent('https://api.example.com/hooks/orders')}`)
    expect(encoded.status).toBe(400)
  })

  it('still answers 404 for an encoded destination never seen', async () => {
    const response = await app.api('/api/destinations/http%3A%2F%2F127.0.0.1%3A4110')
    expect(response.status).toBe(404)
    expect(response.body.error).toBe('NOT_FOUND')
  })
})
