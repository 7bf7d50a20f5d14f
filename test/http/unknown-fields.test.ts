// Unknown body fields are never dropped in silence: the two seed routes accept unknown top-level
// fields, as the original did, and say so; every other body, and every object we define inside
// the seed bodies, refuses them naming the field. payload, data and headers stay free-form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { connect, nextEvent, recordEvents } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

let app: TestApp
let receiver: Receiver
const lines: { level: number; msg: string; fields?: string[] }[] = []

beforeAll(async () => {
  receiver = await startReceiver()
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }
  app = await startApp({}, { logger: { level: 'warn', stream } })
})
afterAll(async () => {
  await app.close()
  await receiver.close()
})

const enqueue = (extra: Record<string, unknown>) =>
  app.api('/api/queue/postback', { body: { postbackUrl: receiver.url('/hook'), payload: { a: 1 }, ...extra } })

describe('the seed routes', () => {
  it('queue a postback with an unknown field, ignore it and name it in warnings, with one warn log line', async () => {
    const before = lines.length
    const response = await enqueue({ delay: 5000 })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({
      success: true,
      message: 'Postback queued successfully',
      queueId: expect.any(String),
      warnings: ["unknown field 'delay' ignored"],
    })
    const warned = lines.slice(before).filter((line) => line.level === 40)
    expect(warned).toHaveLength(1)
    expect(warned[0]?.fields).toEqual(['delay'])
    const stored = (await app.api(`/api/queue/postback/${response.body.queueId}`)).body
    expect(Object.keys(stored)).not.toContain('delay')
  })

  it('name every unknown field once, in the order sent', async () => {
    const response = await enqueue({ idempotency_key: 'k', delay: 1 })
    expect(response.body.warnings).toEqual(["unknown field 'idempotency_key' ignored", "unknown field 'delay' ignored"])
  })

  it('answer exactly the seed shape when every field is known', async () => {
    const response = await enqueue({})
    expect(Object.keys(response.body).sort()).toEqual(['message', 'queueId', 'success'])
    const dispatched = await app.api('/api/socket/dispatch', { body: { channel: 'c', event: 'e', data: {} } })
    expect(Object.keys(dispatched.body).sort()).toEqual(['dispatchedCount', 'message', 'success'])
  })

  it('dispatch with a misspelt field, say so, and still send the event', async () => {
    const { socket } = await connect(app.url, { channel: 'typos' })
    try {
      const event = nextEvent(socket, 'e')
      const response = await app.api('/api/socket/dispatch', { body: { channel: 'typos', event: 'e', dat: { x: 1 }, exceptSocketIds: ['a'] } })
      expect(response.status).toBe(200)
      expect(response.body).toEqual({
        success: true,
        message: 'Event dispatched successfully',
        dispatchedCount: 1,
        warnings: ["unknown field 'dat' ignored", "unknown field 'exceptSocketIds' ignored"],
      })
      expect((await event).data).toBeUndefined()
    } finally {
      socket.close()
    }
  })

  it('still refuse an invalid body, without warnings in the error', async () => {
    const response = await app.api('/api/queue/postback', { body: { payload: {}, delay: 1 } })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: "body must have required property 'postbackUrl'" })
  })
})

describe('objects we define inside the seed bodies', () => {
  it.each([
    ['notify', { notify: { channel: 'c', chanel: 'd' } }, 'body/notify/chanel'],
    ['headers values', { headers: { 'x-a': 'b' }, notify: { userId: 'u', extra: true } }, 'body/notify/extra'],
  ])('refuse an unknown field in %s with 400 naming it', async (_name, extra, field) => {
    const response = await enqueue(extra)
    expect(response.status).toBe(400)
    expect(response.body.error).toBe('VALIDATION_ERROR')
    expect(response.body.message).toMatch(new RegExp(`^${field} is not a known field`))
  })

  it('refuse an unknown field in a dispatch fallback', async () => {
    const response = await app.api('/api/socket/dispatch', {
      body: { userId: 'nobody', event: 'e', fallback: { postbackUrl: receiver.url(), timeout: 5 } },
    })
    expect(response.status).toBe(400)
    expect(response.body.message).toMatch(/^body\/fallback\/timeout is not a known field/)
  })

  it('answer a batch item with an unknown field with its error in its place, and send the others', async () => {
    const { socket } = await connect(app.url, { channel: 'batch' })
    try {
      const seen = recordEvents(socket)
      const response = await app.api('/api/socket/dispatch/batch', {
        body: { items: [{ channel: 'batch', event: 'one', dat: 1 }, { channel: 'batch', event: 'two' }] },
      })
      expect(response.status).toBe(200)
      expect(response.body.results[0]).toEqual({ error: 'VALIDATION_ERROR', message: expect.stringMatching(/^items\/0\/dat is not a known field/) })
      expect(response.body.results[1]).toEqual({ dispatchedCount: 1 })
      await waitFor(() => seen.some((e) => e.name === 'two'), { what: 'the second item’s event' })
      expect(seen.map((e) => e.name)).not.toContain('one')
    } finally {
      socket.close()
    }
  })
})

describe('every other body', () => {
  it.each([
    ['/api/socket/token', 'POST', { userId: 'u', expires: 60 }, 'expires'],
    ['/api/socket/disconnect', 'POST', { userId: 'u', socketIds: ['x'] }, 'socketIds'],
    ['/api/socket/dispatch/batch', 'POST', { items: [{ channel: 'c', event: 'e' }], ordered: true }, 'ordered'],
    ['/api/queue/postback/retry', 'POST', { status: 'failed', limit: 10 }, 'limit'],
    ['/api/destinations/https%3A%2F%2Fa.example', 'PATCH', { maxConcurrency: 2, max_concurrency: 3 }, 'max_concurrency'],
    ['/api/destinations/https%3A%2F%2Fa.example/secret', 'POST', { secrets: 'whsec_x' }, 'secrets'],
  ])('%s refuses an unknown field with 400 naming it', async (path, method, body, field) => {
    const response = await app.api(path, { method, body })
    expect(response.status).toBe(400)
    expect(response.body.error).toBe('VALIDATION_ERROR')
    expect(response.body.message).toMatch(new RegExp(`^body/${field} is not a known field; allowed: `))
  })

  it('names the fields that are allowed', async () => {
    const response = await app.api('/api/socket/disconnect', { method: 'POST', body: { user: 'u' } })
    expect(response.body.message).toBe('body/user is not a known field; allowed: socketId, channel, userId')
  })

  it.each([
    ['/api/destinations/https%3A%2F%2Fa.example/pause', 'POST'],
    ['/api/queue/postback/some-id/retry', 'POST'],
    ['/api/queue/postback/some-id', 'DELETE'],
  ])('%s takes no body, and refuses one with fields, naming the first', async (path, method) => {
    const response = await app.api(path, { method, body: { force: true } })
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: 'body/force is not a known field: this route takes no body' })
  })
})

describe('free-form fields', () => {
  it('keep every key of payload, headers and data', async () => {
    const queued = await enqueue({
      postbackUrl: receiver.url('/free'),
      payload: { anything: { deep: [1] }, other: null },
      headers: { 'x-any-name': 'v' },
    })
    expect(queued.body.warnings).toBeUndefined()
    const delivered = await waitFor(() => receiver.requests.find((r) => r.path === '/free'), { what: 'the delivery' })
    expect(JSON.parse(delivered.body)).toEqual({ anything: { deep: [1] }, other: null })
    expect(delivered.headers['x-any-name']).toBe('v')

    const { socket } = await connect(app.url, { channel: 'free' })
    try {
      const event = nextEvent(socket, 'e')
      await app.api('/api/socket/dispatch', { body: { channel: 'free', event: 'e', data: { any: { key: true } } } })
      expect((await event).data).toEqual({ any: { key: true } })
    } finally {
      socket.close()
    }
  })

  it('keep the info of a client token free-form', async () => {
    const response = await app.api('/api/socket/token', { body: { userId: 'u', info: { name: 'Ana', anything: 1 } } })
    expect(response.status).toBe(200)
  })
})
