// Every JSON request body is bounded before a route sees it: nesting depth and prototype keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
})
afterAll(() => app.close())

/** JSON text of `levels` arrays, each inside the next. */
const nestedText = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`

const post = (path: string, body: string) => app.api(path, { body, headers: { 'content-type': 'application/json' } })

describe('JSON nesting depth', () => {
  it.each([
    ['/api/queue/postback', `{"postbackUrl":"https://example.com/","payload":{"deep":${nestedText(10_000)}}}`, 'body/payload'],
    ['/api/socket/dispatch', `{"channel":"c","event":"e","data":${nestedText(10_000)}}`, 'body/data'],
    ['/api/socket/token', `{"userId":${nestedText(10_000)}}`, 'body/userId'],
    ['/api/queue/postback/retry', nestedText(10_000), 'body/0'],
  ])('answers 400 on %s for a body nested 10,000 levels deep, naming the field and the limit', async (path, body, field) => {
    const response = await post(path, body)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: `${field} is nested deeper than 64 levels` })
  })

  it('accepts a body nested exactly 64 levels deep and refuses 65', async () => {
    // The body is level 1 and payload level 2, so `deep` opens level 3.
    const body = (levels: number) => `{"postbackUrl":"https://example.com/","payload":{"deep":${nestedText(levels - 2)}}}`
    expect((await post('/api/queue/postback', body(64))).status).toBe(200)
    expect((await post('/api/queue/postback', body(65))).body.message).toBe('body/payload is nested deeper than 64 levels')
  })
})

describe('prototype keys', () => {
  it.each([
    ['__proto__', '{"postbackUrl":"https://example.com/","payload":{"__proto__":{"admin":true}}}'],
    ['constructor.prototype', '{"postbackUrl":"https://example.com/","payload":{"constructor":{"prototype":{"admin":true}}}}'],
  ])('refuses a body with a %s key, saying why', async (_name, body) => {
    const response = await post('/api/queue/postback', body)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({
      error: 'VALIDATION_ERROR',
      message: 'body must not contain a __proto__ or constructor.prototype key',
    })
  })

  it('accepts a constructor key that is not an object with a prototype', async () => {
    const response = await post('/api/queue/postback', '{"postbackUrl":"https://example.com/","payload":{"constructor":"Point"}}')
    expect(response.status).toBe(200)
  })
})

describe('dates', () => {
  const LEAP_SECOND = '2016-12-31T23:59:60Z'

  it('refuses a runAt that passes the format but names no instant (a leap second), naming the field', async () => {
    const response = await app.api('/api/queue/postback', {
      body: { postbackUrl: 'https://example.com/', payload: {}, runAt: LEAP_SECOND },
    })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: 'body/runAt must be an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z' })
  })

  it.each(['createdFrom', 'createdTo'])('refuses such a %s when listing and in a bulk retry', async (field) => {
    const listed = await app.api(`/api/queue/postback?${field}=${encodeURIComponent(LEAP_SECOND)}`)
    expect(listed.status).toBe(400)
    expect(listed.body.message).toBe(`querystring/${field} must be an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z`)
    const retried = await app.api('/api/queue/postback/retry', { body: { [field]: LEAP_SECOND } })
    expect(retried.status).toBe(400)
    expect(retried.body.message).toBe(`body/${field} must be an RFC 3339 date-time with a zone, e.g. 2024-01-15T10:30:00Z`)
  })

  it('still accepts every RFC 3339 spelling that names an instant', async () => {
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
    for (const runAt of [`${day}T09:00:00Z`, `${day}t09:00:00.123456z`, `${day}T09:00:00+05:30`]) {
      const response = await app.api('/api/queue/postback', { body: { postbackUrl: 'https://example.com/', payload: {}, runAt } })
      expect(response.status, runAt).toBe(200)
    }
  })
})
