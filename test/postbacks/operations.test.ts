import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn, postbackOf } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const receive = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

const enqueue = async (app: TestApp, body: Record<string, unknown>) => (await app.api('/api/queue/postback', { body })).body.queueId as string
const statusOf = (app: TestApp, id: string) => postbackOf(app, id)
const settled = (app: TestApp, id: string, status: string) => postbackIn(app, id, [status])

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))

  describe('listing', () => {
    it('filters by status and URL prefix', async () => {
      const receiver = await receive((request) => ({ status: request.path.startsWith('/bad') ? 500 : 200 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '1' })
      const good = await enqueue(app, { postbackUrl: receiver.url('/good/1'), payload: {} })
      const bad = await enqueue(app, { postbackUrl: receiver.url('/bad/1'), payload: {} })
      await settled(app, good, 'completed')
      await settled(app, bad, 'failed')
      const failed = (await app.api('/api/queue/postback?status=failed')).body
      expect(failed.map((p: any) => p.id)).toEqual([bad])
      const prefixed = (await app.api(`/api/queue/postback?postbackUrl=${encodeURIComponent(receiver.url('/good'))}`)).body
      expect(prefixed.map((p: any) => p.id)).toEqual([good])
    })

    it('filters by creation time', async () => {
      const app = await start()
      const old = await enqueue(app, { postbackUrl: 'https://example.com/', payload: {}, delayMs: 60_000 })
      await sleep(20)
      const cut = new Date().toISOString()
      await sleep(20)
      const recent = await enqueue(app, { postbackUrl: 'https://example.com/', payload: {}, delayMs: 60_000 })
      const after = (await app.api(`/api/queue/postback?createdFrom=${cut}`)).body.map((p: any) => p.id)
      const before = (await app.api(`/api/queue/postback?createdTo=${cut}`)).body.map((p: any) => p.id)
      expect(after).toEqual([recent])
      expect(before).toEqual([old])
    })

    it('pages with a Link header until every postback was seen once', async () => {
      const app = await start()
      const ids: string[] = []
      for (let i = 0; i < 7; i++) ids.push(await enqueue(app, { postbackUrl: 'https://example.com/', payload: { i }, delayMs: 60_000 }))
      const seen: string[] = []
      let next: string | undefined = '/api/queue/postback?limit=3&status=pending'
      for (let page = 0; next && page < 10; page++) {
        const response = await app.api(next)
        expect(Array.isArray(response.body)).toBe(true)
        seen.push(...response.body.map((p: any) => p.id))
        const link = response.headers.get('link')
        next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined
        if (next) expect(next).toMatch(/limit=3/)
      }
      expect(seen).toEqual(ids.reverse())
    })

    it('lists every postback, as the original did, when there are fewer than 1000 and no limit is given', async () => {
      const app = await start()
      const ids = await Promise.all(
        Array.from({ length: 150 }, (_, i) => enqueue(app, { postbackUrl: 'https://example.com/', payload: { i }, delayMs: 60_000 })),
      )
      const response = await app.api('/api/queue/postback')
      expect(response.body).toHaveLength(150)
      expect(new Set(response.body.map((p: any) => p.id))).toEqual(new Set(ids))
      expect(response.headers.get('link')).toBeNull()
    })

    it('refuses a cursor it did not hand out and a limit out of range', async () => {
      const app = await start()
      const cursor = await app.api('/api/queue/postback?cursor=not-a-cursor')
      expect(cursor.status).toBe(400)
      expect(cursor.body.message).toMatch(/cursor/)
      const limit = await app.api('/api/queue/postback?limit=1001')
      expect(limit.status).toBe(400)
      expect(limit.body.message).toMatch(/limit/)
    })
  })

  describe('retry, cancel and stats', () => {
    it('re-queues a failed postback with a fresh attempt budget', async () => {
      let healthy = false
      const receiver = await receive(() => ({ status: healthy ? 200 : 500 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '2', POSTBACK_BACKOFF_MS: '10' })
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      await settled(app, id, 'failed')
      healthy = true
      const retried = await app.api(`/api/queue/postback/${id}/retry`, { method: 'POST' })
      expect(retried.status).toBe(200)
      expect(['pending', 'processing', 'completed']).toContain(retried.body.status)
      const done = await settled(app, id, 'completed')
      expect(done.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 200])
      expect(done.retries).toBe(0)
    })

    it('answers 409 for retrying a pending postback and 404 for an unknown one', async () => {
      const app = await start()
      const id = await enqueue(app, { postbackUrl: 'https://example.com/', payload: {}, delayMs: 60_000 })
      const pending = await app.api(`/api/queue/postback/${id}/retry`, { method: 'POST' })
      expect(pending.status).toBe(409)
      expect(pending.body).toEqual({ error: 'CONFLICT', message: `Postback ${id} is pending and cannot be retried` })
      expect((await app.api('/api/queue/postback/missing/retry', { method: 'POST' })).status).toBe(404)
    })

    it('re-queues every failed postback matching a filter and returns the count', async () => {
      let healthy = false
      const receiver = await receive(() => ({ status: healthy ? 200 : 500 }))
      const app = await start({ POSTBACK_MAX_ATTEMPTS: '1' })
      const a = await enqueue(app, { postbackUrl: receiver.url('/a'), payload: {} })
      const b = await enqueue(app, { postbackUrl: receiver.url('/a'), payload: {} })
      const c = await enqueue(app, { postbackUrl: receiver.url('/c'), payload: {} })
      for (const id of [a, b, c]) await settled(app, id, 'failed')
      healthy = true
      const response = await app.api('/api/queue/postback/retry', { body: { postbackUrl: receiver.url('/a') } })
      expect(response.body).toEqual({ success: true, message: 'Postbacks re-queued', count: 2 })
      await settled(app, a, 'completed')
      await settled(app, b, 'completed')
      expect((await statusOf(app, c)).status).toBe('failed')
      const all = await app.api('/api/queue/postback/retry', { method: 'POST' })
      expect(all.body.count).toBe(1)
      await settled(app, c, 'completed')
    })

    it('cancels a pending postback so it is never delivered', async () => {
      const receiver = await receive()
      const app = await start()
      const id = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, delayMs: 2000 })
      const canceled = await app.api(`/api/queue/postback/${id}`, { method: 'DELETE' })
      expect(canceled.status).toBe(200)
      expect(canceled.body).toMatchObject({ id, status: 'canceled', nextAttemptAt: null })
      // A postback to the same receiver due half a second later: when it arrives, the canceled
      // one would have arrived before it.
      const later = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, delayMs: 2500 })
      const requests = await receiver.waitForRequests(1)
      expect(requests.map((r) => r.headers['webhook-id'])).toEqual([later])
      const again = await app.api(`/api/queue/postback/${id}`, { method: 'DELETE' })
      expect(again.status).toBe(409)
      expect((await app.api('/api/queue/postback/missing', { method: 'DELETE' })).status).toBe(404)
    })

    it('counts postbacks by status', async () => {
      const receiver = await receive()
      const app = await start()
      const done = await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      await settled(app, done, 'completed')
      await enqueue(app, { postbackUrl: receiver.url(), payload: {}, delayMs: 60_000 })
      const canceled = await enqueue(app, { postbackUrl: receiver.url(), payload: {}, delayMs: 60_000 })
      await app.api(`/api/queue/postback/${canceled}`, { method: 'DELETE' })
      const stats = (await app.api('/api/queue/stats')).body
      expect(stats).toMatchObject({
        counts: { pending: 1, processing: 0, completed: 1, failed: 0, canceled: 1 },
        total: 3,
        inFlight: 0,
      })
      // The pending one is not due for a minute: nothing is late.
      expect(stats.oldestPendingAgeMs).toBeNull()
    })

    it('dates the postback due the longest, never one scheduled for later (a runAt next week is no lag)', async () => {
      const receiver = await receive()
      const app = await start()
      const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString()
      await enqueue(app, { postbackUrl: receiver.url(), payload: {}, runAt: nextWeek })
      expect((await app.api('/api/queue/stats')).body).toMatchObject({ counts: { pending: 1 }, oldestPendingAgeMs: null })

      // A due postback its paused destination holds back is late, and more so as time goes by.
      const destination = encodeURIComponent(`http://127.0.0.1:${receiver.port}`)
      expect((await app.api(`/api/destinations/${destination}/pause`, { method: 'POST' })).status).toBe(200)
      await enqueue(app, { postbackUrl: receiver.url(), payload: {} })
      const late = await waitFor(async () => {
        const { oldestPendingAgeMs } = (await app.api('/api/queue/stats')).body
        return oldestPendingAgeMs >= 300 && oldestPendingAgeMs
      }, { what: 'the due postback to be 300 ms late' })
      // Dated by the due one, not by the one queued first for next week.
      expect(late).toBeLessThan(60_000)
    })
  })
})
