// The TypeScript client against the real service: every method, paging, and typed errors.
import { QspClient, QspConnectionError, QspError, type Postback } from '@queue-socket-provider/client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, qsp: new QspClient({ url: app.url, token: TOKEN }) }
}

describe.each(stores)('the client on the %s store', (store) => {
  it('queues with every option and reads back the status, attempts and what was queued', async () => {
    const receiver = own(await startReceiver(() => ({ status: 200, body: 'thanks' })))
    const { app, qsp } = await service({ STORE: store })
    const queued = await qsp.queue({
      postbackUrl: receiver.url('/orders'),
      payload: { orderId: 7 },
      method: 'PUT',
      headers: { 'X-Source': 'client test' },
      idempotencyKey: 'order-7',
      delayMs: 10,
      maxAttempts: 2,
      timeoutMs: 1000,
      notify: { channel: 'orders' },
    })
    expect(queued).toMatchObject({ success: true, message: 'Postback queued successfully' })
    await postbackIn(app, queued.queueId, ['completed'])

    const postback = await qsp.get(queued.queueId)
    expect(postback).toMatchObject({
      id: queued.queueId,
      method: 'PUT',
      status: 'completed',
      payload: { orderId: 7 },
      headers: { 'X-Source': 'client test' },
      lastStatusCode: 200,
    })
    expect(postback.attempts).toEqual([expect.objectContaining({ statusCode: 200, responseBody: 'thanks' })])
    const [request] = await receiver.waitForRequests(1)
    expect(request).toMatchObject({ method: 'PUT', body: '{"orderId":7}' })
    expect(request!.headers['x-source']).toBe('client test')
    // The same idempotency key answers with the first id.
    expect((await qsp.queue({ postbackUrl: receiver.url('/orders'), payload: { orderId: 7 }, method: 'PUT', headers: { 'X-Source': 'client test' }, idempotencyKey: 'order-7' })).queueId).toBe(queued.queueId)
  })

  it('lists one page at a time and iterates over every page by following the Link header', async () => {
    const { qsp } = await service({ STORE: store })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await qsp.queue({ postbackUrl: 'https://example.com/', payload: { i }, delayMs: 60_000 })).queueId)
    const newestFirst = ids.reverse()

    const first = await qsp.list({ status: 'pending', limit: 2 })
    expect(first.items.map((p) => p.id)).toEqual(newestFirst.slice(0, 2))
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await qsp.list({ status: 'pending', limit: 2, cursor: first.nextCursor })
    expect(second.items.map((p) => p.id)).toEqual(newestFirst.slice(2, 4))

    const every: Postback[] = []
    for await (const postback of qsp.listAll({ status: 'pending', limit: 2 })) every.push(postback)
    expect(every.map((p) => p.id)).toEqual(newestFirst)
    const last = await qsp.list({ status: 'pending', limit: 5 })
    expect(last.nextCursor).toBeUndefined()
  })

  it('retries one postback, retries many by filter, and cancels a pending one', async () => {
    const receiver = own(await startReceiver(() => ({ status: 500 })))
    const { app, qsp } = await service({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' })
    const failing = await Promise.all([1, 2, 3].map(async (i) => (await qsp.queue({ postbackUrl: receiver.url(`/a/${i}`), payload: {} })).queueId))
    const other = (await qsp.queue({ postbackUrl: receiver.url('/b/1'), payload: {} })).queueId
    for (const id of [...failing, other]) await postbackIn(app, id, ['failed'])

    receiver.respondWith(() => ({ status: 200 }))
    expect(await qsp.retry(other)).toMatchObject({ id: other, status: 'pending' })
    await postbackIn(app, other, ['completed'])
    expect(await qsp.retryMany({ status: 'failed', postbackUrl: receiver.url('/a/') })).toBe(3)
    for (const id of failing) await postbackIn(app, id, ['completed'])

    const later = (await qsp.queue({ postbackUrl: receiver.url('/later'), payload: {}, delayMs: 60_000 })).queueId
    expect(await qsp.cancel(later)).toMatchObject({ id: later, status: 'canceled' })
    const stats = await qsp.stats()
    expect(stats.counts).toMatchObject({ completed: 4, canceled: 1, failed: 0 })
  })
})

describe('the client', () => {
  it('throws QspError with the status, code and message the service answered', async () => {
    const { app, qsp } = await service()
    const notFound = await qsp.get('no-such-postback').catch((error: unknown) => error)
    expect(notFound).toBeInstanceOf(QspError)
    expect(notFound).toMatchObject({ status: 404, error: 'NOT_FOUND' })

    const invalid = await qsp.queue({ postbackUrl: 'ftp://example.com/', payload: {} }).catch((error: unknown) => error)
    expect(invalid).toMatchObject({ status: 400, error: 'VALIDATION_ERROR', message: expect.stringContaining('postbackUrl') })

    const conflict = await qsp.cancel((await qsp.queue({ postbackUrl: 'https://example.com/', payload: {}, delayMs: 60_000 })).queueId)
    expect(await qsp.cancel(conflict.id).catch((error: unknown) => error)).toMatchObject({ status: 409, error: 'CONFLICT' })

    const stranger = new QspClient({ url: app.url, token: 'wrong-token' })
    expect(await stranger.stats().catch((error: unknown) => error)).toMatchObject({ status: 401, error: 'UNAUTHORIZED' })
  })

  it('throws QspConnectionError naming the address when nothing answers there', async () => {
    const { app } = await service()
    const { url } = app
    await app.close()
    const error = await new QspClient({ url, token: TOKEN }).stats().catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(QspConnectionError)
    expect((error as Error).message).toBe(`cannot reach ${url}: ECONNREFUSED`)
  })

  it('dispatches, mints client tokens, lists connections, counts a channel and forces sockets off', async () => {
    const { qsp } = await service()
    const { token, expiresAt } = await qsp.clientToken({ userId: 'user-1', channels: ['team-7'], expiresIn: 60 })
    expect(token.split('.')).toHaveLength(3)
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now())

    expect(await qsp.dispatch({ channel: 'team-7', event: 'hello', data: { n: 1 } })).toMatchObject({ success: true, dispatchedCount: 0 })
    expect(await qsp.connections({ channel: 'team-7' })).toEqual({ totalConnections: 0, connections: [] })
    expect(await qsp.channelStats('team-7')).toEqual({ channel: 'team-7', userCount: 0, socketCount: 0 })
    expect(await qsp.disconnect({ channel: 'team-7' })).toBe(0)
  })

  it('sends every call through a fetch of the caller’s own when given one', async () => {
    const { app } = await service()
    const seen: string[] = []
    const qsp = new QspClient({
      url: `${app.url}/`,
      token: TOKEN,
      fetch: (request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization')}`)
        return fetch(request)
      },
    })
    await qsp.stats()
    expect(seen).toEqual([`GET /api/queue/stats Bearer ${TOKEN}`])
  })

  it('gives the typed openapi-fetch client for every route', async () => {
    const { qsp } = await service()
    const { data, response } = await qsp.api.GET('/health')
    expect(response.status).toBe(200)
    expect(data?.status).toBe('ok')
  })
})
