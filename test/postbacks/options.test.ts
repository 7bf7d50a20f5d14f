import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackOf } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { connect, nextEvent } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own, defer } = cleanupAfterEach()
const receive = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

const enqueue = (app: TestApp, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.api('/api/queue/postback', { body, headers })
const statusOf = (app: TestApp, id: string) => postbackOf(app, id)

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))

  describe('idempotency', () => {
    it('returns the first queueId for a repeated Idempotency-Key and delivers once', async () => {
      const receiver = await receive()
      const app = await start()
      const body = { postbackUrl: receiver.url(), payload: { order: 1 } }
      const first = await enqueue(app, body, { 'idempotency-key': 'order-1' })
      const again = await enqueue(app, body, { 'idempotency-key': 'order-1' })
      expect(again.body.queueId).toBe(first.body.queueId)
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      expect(again.headers.get('idempotent-replayed')).toBe('true')
      const other = await enqueue(app, body, { 'idempotency-key': 'order-2' })
      expect(other.body.queueId).not.toBe(first.body.queueId)
      await receiver.waitForRequests(2)
      await sleep(200)
      expect(receiver.requests).toHaveLength(2)
    })

    it('accepts the key as idempotencyKey in the body', async () => {
      const receiver = await receive()
      const app = await start()
      const body = { postbackUrl: receiver.url(), payload: {}, idempotencyKey: 'k-1' }
      const first = await enqueue(app, body)
      expect((await enqueue(app, body)).body.queueId).toBe(first.body.queueId)
      expect((await enqueue(app, { ...body, idempotencyKey: undefined }, { 'idempotency-key': 'k-1' })).body.queueId).toBe(
        first.body.queueId,
      )
    })

    it('queues one postback when requests with the same key race', async () => {
      const receiver = await receive()
      const app = await start()
      const body = { postbackUrl: receiver.url(), payload: { race: true } }
      const answers = await Promise.all(Array.from({ length: 25 }, () => enqueue(app, body, { 'idempotency-key': 'race' })))
      expect(answers.every((a) => a.status === 200)).toBe(true)
      expect(new Set(answers.map((a) => a.body.queueId)).size).toBe(1)
      await receiver.waitForRequests(1)
      await sleep(200)
      expect(receiver.requests).toHaveLength(1)
      const listed = (await app.api('/api/queue/postback')).body
      expect(listed).toHaveLength(1)
    })

    it('refuses a header and a body key that differ', async () => {
      const app = await start()
      const response = await enqueue(app, 
        { postbackUrl: 'https://example.com/', payload: {}, idempotencyKey: 'a' },
        { 'idempotency-key': 'b' },
      )
      expect(response.status).toBe(400)
      expect(response.body.message).toMatch(/Idempotency-Key/)
    })
  })

  describe('delay', () => {
    it('holds the first attempt for delayMs', async () => {
      const receiver = await receive()
      const app = await start()
      const before = Date.now()
      const { body } = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, delayMs: 600 })
      const pending = await statusOf(app, body.queueId)
      expect(pending.status).toBe('pending')
      expect(Date.parse(pending.nextAttemptAt) - before).toBeGreaterThanOrEqual(600)
      const [request] = await receiver.waitForRequests(1)
      expect(request!.receivedAt - before).toBeGreaterThanOrEqual(600)
    })

    it('schedules the first attempt at runAt', async () => {
      const app = await start()
      const runAt = new Date(Date.now() + 3_600_000).toISOString()
      const { body } = await enqueue(app, { postbackUrl: 'https://example.com/', payload: {}, runAt })
      expect(await statusOf(app, body.queueId)).toMatchObject({ status: 'pending', nextAttemptAt: runAt })
    })

    it('makes no attempt before runAt', async () => {
      const receiver = await receive()
      const app = await start()
      const runAt = new Date(Date.now() + 500).toISOString()
      await enqueue(app, { postbackUrl: receiver.url(), payload: {}, runAt })
      const [request] = await receiver.waitForRequests(1)
      expect(request!.receivedAt).toBeGreaterThanOrEqual(Date.parse(runAt))
    })

    it('refuses delayMs with runAt, a negative delay and a runAt that is not a date', async () => {
      const app = await start()
      const base = { postbackUrl: 'https://example.com/', payload: {} }
      for (const [extra, field] of [
        [{ delayMs: 10, runAt: new Date().toISOString() }, /delayMs or runAt/],
        [{ delayMs: -1 }, /delayMs/],
        [{ runAt: 'tomorrow' }, /runAt/],
      ] as const) {
        const response = await enqueue(app, { ...base, ...extra })
        expect(response.status).toBe(400)
        expect(response.body.message).toMatch(field)
      }
    })
  })

  describe('per-postback limits', () => {
    it('uses maxAttempts instead of POSTBACK_MAX_ATTEMPTS', async () => {
      const receiver = await receive(() => ({ status: 500 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '2', POSTBACK_BACKOFF_MS: '10' })
      const { body } = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, maxAttempts: 4 })
      const done = await waitFor(async () => {
        const current = await statusOf(app, body.queueId)
        return current.status === 'failed' && current
      })
      expect(done.attempts).toHaveLength(4)
    })

    it('uses timeoutMs instead of POSTBACK_TIMEOUT_MS', async () => {
      const receiver = await receive(() => ({ hang: true }))
      const app = await start({ POSTBACK_TIMEOUT_MS: '5000', POSTBACK_MAX_ATTEMPTS: '1' })
      const { body } = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, timeoutMs: 150 })
      const done = await waitFor(async () => {
        const current = await statusOf(app, body.queueId)
        return current.status === 'failed' && current
      })
      expect(done.lastError).toBe('Timed out after 150 ms')
    })

    it('refuses values over the server’s limits, naming the limit', async () => {
      const app = await start({ POSTBACK_MAX_ATTEMPTS_LIMIT: '5', POSTBACK_TIMEOUT_LIMIT_MS: '10000' })
      const base = { postbackUrl: 'https://example.com/', payload: {} }
      const attempts = await enqueue(app, { ...base, maxAttempts: 6 })
      expect(attempts.status).toBe(400)
      expect(attempts.body.message).toBe("maxAttempts must be at most 5 (the server's POSTBACK_MAX_ATTEMPTS_LIMIT)")
      const timeout = await enqueue(app, { ...base, timeoutMs: 10_001 })
      expect(timeout.status).toBe(400)
      expect(timeout.body.message).toBe("timeoutMs must be at most 10000 (the server's POSTBACK_TIMEOUT_LIMIT_MS)")
      expect((await enqueue(app, { ...base, maxAttempts: 5, timeoutMs: 10_000 })).status).toBe(200)
    })
  })

  describe('notify over the socket', () => {
    async function listener(app: TestApp, query: Record<string, string>) {
      const { socket } = await connect(app.url, query)
      defer(() => socket.close())
      return socket
    }

    it('dispatches postback.completed with the final status to the channel', async () => {
      const receiver = await receive()
      const app = await start()
      const socket = await listener(app, { channel: 'billing', userId: 'ops' })
      const event = nextEvent(socket, 'postback.completed')
      const { body } = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, notify: { channel: 'billing' } })
      const message = await event
      expect(message).toMatchObject({ event: 'postback.completed', timestamp: expect.any(String) })
      expect(message.data).toMatchObject({ id: body.queueId, status: 'completed', retries: 0 })
      // The status object, without what was queued: only GET /api/queue/postback/:id shows that.
      const { payload, headers, ...status } = await statusOf(app, body.queueId)
      expect(payload).toEqual({})
      expect(headers).toEqual({})
      expect(message.data).toEqual(status)
    })

    it('tells the target the postback’s URL with its query values redacted, while GET keeps it as queued', async () => {
      const receiver = await receive()
      const app = await start()
      const socket = await listener(app, { channel: 'billing' })
      const event = nextEvent(socket, 'postback.completed')
      const postbackUrl = receiver.url('/hook?token=s3cr3t&x=1')
      const { body } = await enqueue(app, { postbackUrl, payload: {}, notify: { channel: 'billing' } })
      expect((await event).data).toMatchObject({ id: body.queueId, postbackUrl: receiver.url('/hook?token=REDACTED&x=REDACTED') })
      expect((await statusOf(app, body.queueId)).postbackUrl).toBe(postbackUrl)
      expect((await app.api('/api/queue/postback')).body[0].postbackUrl).toBe(postbackUrl)
    })

    it('dispatches postback.failed to a user', async () => {
      const receiver = await receive(() => ({ status: 410 }))
      const app = await start()
      const socket = await listener(app, { userId: 'ana' })
      const event = nextEvent(socket, 'postback.failed')
      const { body } = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, notify: { userId: 'ana' } })
      expect((await event).data).toMatchObject({ id: body.queueId, status: 'failed', lastStatusCode: 410 })
    })

    it('refuses an empty notify target', async () => {
      const app = await start()
      const response = await enqueue(app, { postbackUrl: 'https://example.com/', payload: {}, notify: {} })
      expect(response.status).toBe(400)
      expect(response.body.message).toMatch(/notify/)
    })
  })
})
