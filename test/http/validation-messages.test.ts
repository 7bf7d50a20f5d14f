// A refused field is named with what it allows, on every route: the values of an enum, the form
// of a date-time, the one rule of a field that may also be null.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
})
afterAll(() => app.close())

const postback = { postbackUrl: 'https://example.com/', payload: {} }
const destination = '/api/destinations/https%3A%2F%2Fapi.example.com'
const DATE_TIME = 'must be an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z'

describe('validation messages', () => {
  it.each<[string, string, { method?: string; body?: unknown }, string]>([
    ['an enum in a body', '/api/queue/postback', { body: { ...postback, method: 'DELETE' } }, 'body/method must be one of GET, POST, PUT, PATCH'],
    ['an enum in a filter', '/api/queue/postback/retry', { body: { status: 'pending' } }, 'body/status must be one of failed, completed'],
    [
      'an enum in a query',
      '/api/queue/postback?status=done',
      {},
      'querystring/status must be one of pending, processing, completed, failed, canceled',
    ],
    ['a runAt without a zone', '/api/queue/postback', { body: { ...postback, runAt: '2024-01-15T10:30:00' } }, `body/runAt ${DATE_TIME}`],
    ['a date in a query', '/api/queue/postback?createdFrom=yesterday', {}, `querystring/createdFrom ${DATE_TIME}`],
    ['a date in a bulk retry', '/api/queue/postback/retry', { body: { createdTo: '2024-01-15' } }, `body/createdTo ${DATE_TIME}`],
    ['a nullable integer below its minimum', destination, { method: 'PATCH', body: { maxConcurrency: 0 } }, 'body/maxConcurrency must be >= 1, or null'],
    ['a nullable number of the wrong type', destination, { method: 'PATCH', body: { ratePerSecond: 'fast' } }, 'body/ratePerSecond must be number, or null'],
    ['a nullable integer over its maximum', destination, { method: 'PATCH', body: { timeoutMs: 3_600_001 } }, 'body/timeoutMs must be <= 3600000, or null'],
  ])('names the field and what is allowed for %s', async (_name, path, init, message) => {
    const response = await app.api(path, init)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message })
  })

  it('names a missing body as the body', async () => {
    const response = await app.api('/api/socket/token', { method: 'POST' })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: 'body is required: a JSON object' })
  })

  it('names the place of a batch item’s field and what it allows', async () => {
    const response = await app.api('/api/socket/dispatch/batch', { body: { items: [{ channel: 'c', event: 'e', fallback: { postbackUrl: 'https://example.com/', method: 'GOT' } }] } })
    expect(response.body.results).toEqual([{ error: 'VALIDATION_ERROR', message: 'items/0/fallback/method must be one of GET, POST, PUT, PATCH' }])
  })
})
