// Requests no route takes: a known path asked with a method it does not have (405 with Allow),
// and paths nothing serves (404).
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
