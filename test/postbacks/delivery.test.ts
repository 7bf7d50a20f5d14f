import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn, postbackOf } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const receive = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

async function enqueue(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const response = await app.api('/api/queue/postback', { body })
  expect(response.status).toBe(200)
  return response.body.queueId
}

const statusOf = (app: TestApp, id: string) => postbackOf(app, id)
const finished = (app: TestApp, id: string, timeoutMs?: number) => postbackIn(app, id, ['completed', 'failed'], timeoutMs)

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))

  describe('postback delivery', () => {
    it('POSTs the payload as JSON with the caller’s headers, a User-Agent and webhook-id', async () => {
      const receiver = await receive()
      const app = await start()
      const id = await enqueue(app, {
        postbackUrl: receiver.url('/hook?source=test'),
        payload: { event: 'user.created', user: { id: 123, name: 'Ana' } },
        headers: { 'X-Custom-Header': 'value' },
      })
      const [request] = await receiver.waitForRequests(1)
      expect(request!.method).toBe('POST')
      expect(request!.path).toBe('/hook')
      expect(request!.query).toEqual({ source: 'test' })
      expect(JSON.parse(request!.body)).toEqual({ event: 'user.created', user: { id: 123, name: 'Ana' } })
      expect(request!.headers['content-type']).toBe('application/json')
      expect(request!.headers['x-custom-header']).toBe('value')
      expect(request!.headers['webhook-id']).toBe(id)
      expect(request!.headers['user-agent']).toMatch(/^queue-socket-provider\/\d+\.\d+\.\d+$/)
    })

    it.each(['PUT', 'PATCH'])('sends %s with the payload as a JSON body', async (method) => {
      const receiver = await receive()
      const app = await start()
      await enqueue(app, { postbackUrl: receiver.url(), payload: { n: 1 }, method })
      const [request] = await receiver.waitForRequests(1)
      expect(request!.method).toBe(method)
      expect(JSON.parse(request!.body)).toEqual({ n: 1 })
    })

    it('sends GET with no body and the payload fields in the query string, non-strings JSON-encoded', async () => {
      const receiver = await receive()
      const app = await start()
      await enqueue(app, {
        postbackUrl: receiver.url('/get?fixed=1'),
        method: 'GET',
        payload: { name: 'a b&c', count: 2, ok: true, nested: { x: [1] } },
      })
      const [request] = await receiver.waitForRequests(1)
      expect(request!.method).toBe('GET')
      expect(request!.body).toBe('')
      expect(request!.headers['content-type']).toBeUndefined()
      expect(request!.query).toEqual({ fixed: '1', name: 'a b&c', count: '2', ok: 'true', nested: '{"x":[1]}' })
    })

    it('goes pending → processing → completed with retries 0 when the first attempt succeeds', async () => {
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const receiver = await receive(async () => {
        await released
        return { status: 204 }
      })
      const app = await start()
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const first = await statusOf(app, id)
      expect(['pending', 'processing']).toContain(first.status)
      expect(first).toMatchObject({ id, postbackUrl: receiver.url(), retries: 0 })
      expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt)
      await waitFor(async () => (await statusOf(app, id)).status === 'processing', { what: 'processing' })
      release()
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'completed', retries: 0, lastStatusCode: 204, lastError: null, nextAttemptAt: null })
      expect(done.attempts).toHaveLength(1)
    })

    it('retries a failed attempt and completes, counting the retry', async () => {
      const receiver = await receive((_request, index) => (index === 0 ? { status: 500, body: 'boom' } : { status: 200, body: 'ok' }))
      const app = await start()
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: { a: 1 } })
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'completed', retries: 1 })
      expect(done.attempts.map((a: any) => a.statusCode)).toEqual([500, 200])
      expect(done.attempts[0].responseBody).toBe('boom')
      const requests = receiver.requests
      expect(requests).toHaveLength(2)
      expect(requests[0]!.headers['webhook-id']).toBe(id)
      expect(requests[1]!.headers['webhook-id']).toBe(id)
    })

    it('fails after exactly POSTBACK_MAX_ATTEMPTS attempts, each retry waiting at least its doubling backoff', async () => {
      const receiver = await receive(() => ({ status: 503 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '4', POSTBACK_BACKOFF_MS: '200' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'failed', retries: 3, lastStatusCode: 503 })
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(receiver.requests).toHaveLength(4)
      const times = receiver.requests.map((r) => r.receivedAt)
      const gaps = times.slice(1).map((t, i) => t - times[i]!)
      // 200, 400, 800 ms, each at most 20 % shorter by jitter. A busy machine only makes gaps longer,
      // so only the lower bounds hold by construction.
      expect(gaps[0]).toBeGreaterThanOrEqual(160 - 2)
      expect(gaps[1]).toBeGreaterThanOrEqual(320 - 2)
      expect(gaps[2]).toBeGreaterThanOrEqual(640 - 2)
    })

    it('counts a timeout as a failed attempt', async () => {
      const receiver = await receive((_request, index) => (index === 0 ? { hang: true } : { status: 200 }))
      const app = await start({ POSTBACK_TIMEOUT_MS: '200' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'completed', retries: 1 })
      expect(done.attempts[0].error).toBe('Timed out after 200 ms')
      expect(done.attempts[0].durationMs).toBeGreaterThanOrEqual(190)
    })

    it('counts a refused connection as a failed attempt and records why', async () => {
      const receiver = await receive()
      const deadUrl = receiver.url()
      await receiver.close()
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '2' })
      const id = await enqueue(app, { postbackUrl: deadUrl, payload: {} })
      const done = await finished(app, id)
      expect(done.status).toBe('failed')
      expect(done.attempts).toHaveLength(2)
      expect(done.lastError).toMatch(/ECONNREFUSED/)
    })

    it('does not follow redirects: a 3xx is a failed attempt', async () => {
      const receiver = await receive((request) =>
        request.path === '/moved' ? { status: 302, headers: { location: '/target' } } : { status: 200 },
      )
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '1' })
      const id = await enqueue(app, { postbackUrl: receiver.url('/moved'), payload: {} })
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'failed', lastStatusCode: 302, lastError: 'HTTP 302 Found: redirects are not followed' })
      expect(receiver.requests.map((r) => r.path)).toEqual(['/moved'])
    })

    it('waits as long as a 429’s Retry-After asks before trying again', async () => {
      const receiver = await receive((_request, index) =>
        index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
      )
      const app = await start({ POSTBACK_BACKOFF_MS: '20' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      await finished(app, id)
      const [first, second] = receiver.requests
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950)
    })

    it('gives every failed attempt a readable error and keeps its status code', async () => {
      const answers = [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 410 }]
      const receiver = await receive((_request, index) => answers[index]!)
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '5', POSTBACK_BACKOFF_MS: '20' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const done = await finished(app, id)
      expect(done.attempts.map((a: any) => [a.statusCode, a.error])).toEqual([
        [500, 'HTTP 500 Internal Server Error'],
        [429, 'HTTP 429 Too Many Requests: retry after 1 s'],
        [410, 'HTTP 410 Gone: the receiver says the endpoint is gone'],
      ])
      expect(done).toMatchObject({ status: 'failed', lastStatusCode: 410, lastError: 'HTTP 410 Gone: the receiver says the endpoint is gone' })
    })

    it('ends a postback as failed at once when the receiver answers 410 Gone', async () => {
      const receiver = await receive(() => ({ status: 410 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '5' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const done = await finished(app, id)
      expect(done).toMatchObject({ status: 'failed', retries: 0, lastStatusCode: 410 })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(receiver.requests).toHaveLength(1)
    })

    it('keeps at most POSTBACK_CONCURRENCY deliveries in flight', async () => {
      let open = 0
      let most = 0
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      // Every request is held until all twelve are queued, so the limit is reached however slowly
      // the machine enqueues.
      const receiver = await receive(async () => {
        most = Math.max(most, ++open)
        await released
        open--
        return { status: 200 }
      })
      const app = await start({ POSTBACK_CONCURRENCY: '3', POSTBACK_HOST_CONCURRENCY: '3' })
      const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => enqueue(app, { postbackUrl: receiver.url(), payload: { i } })))
      await waitFor(() => open === 3, { what: 'three deliveries in flight' })
      release()
      await receiver.waitForRequests(12)
      await Promise.all(ids.map((id) => finished(app, id)))
      expect(most).toBe(3)
    })

    it('keeps the first 1 KiB of a response body in the attempt', async () => {
      const receiver = await receive(() => ({ status: 500, body: 'x'.repeat(5000) }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '1' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const done = await finished(app, id)
      expect(done.attempts[0].responseBody).toBe('x'.repeat(1024))
    })
  })
})
