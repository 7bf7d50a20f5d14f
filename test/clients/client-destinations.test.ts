// The client's destination methods and per-postback control (callbacks, ordering keys) against
// the real service.
import { QspClient, verifyWebhook } from '@queue-socket-provider/client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { sleep } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()
const GLOBAL_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, qsp: new QspClient({ url: app.url, token: TOKEN }) }
}

describe.each(stores)('destinations through the client on the %s store', (store) => {
  it('pauses a destination, holds its postbacks, and lets them go on resume', async () => {
    const receiver = own(await startReceiver())
    const { app, qsp } = await service({ STORE: store })
    const destination = `http://127.0.0.1:${receiver.port}`
    expect(await qsp.pauseDestination(destination)).toMatchObject({ destination, state: 'paused' })
    const { queueId } = await qsp.queue({ postbackUrl: receiver.url(), payload: { n: 1 } })
    await sleep(200)
    expect(receiver.requests).toHaveLength(0)
    expect((await qsp.get(queueId)).status).toBe('pending')
    expect(await qsp.destination(destination)).toMatchObject({ state: 'paused', pending: 1 })
    expect((await qsp.destinations()).map((d) => d.destination)).toContain(destination)

    expect(await qsp.resumeDestination(destination)).toMatchObject({ state: 'active' })
    await postbackIn(app, queueId, ['completed'])
  })

  it('changes settings, clears one with null, and reads them back', async () => {
    const { qsp } = await service({ STORE: store })
    const destination = 'https://api.example.com:443'
    const configured = await qsp.configureDestination('https://api.example.com', { maxConcurrency: 2, ratePerSecond: 0.5, timeoutMs: 900 })
    expect(configured).toMatchObject({ destination, settings: { maxConcurrency: 2, ratePerSecond: 0.5, timeoutMs: 900 } })
    await qsp.configureDestination(destination, { ratePerSecond: null })
    expect((await qsp.destination(destination)).settings).toEqual({ maxConcurrency: 2, ratePerSecond: null, timeoutMs: 900 })
  })
})

describe('destinations through the client', () => {
  it('answers 404 for a destination never seen and 400 for one with a path', async () => {
    const { qsp } = await service()
    expect(await qsp.destination('https://never.example.com').catch((error: unknown) => error)).toMatchObject({ status: 404, error: 'NOT_FOUND' })
    expect(await qsp.pauseDestination('https://api.example.com/hook').catch((error: unknown) => error)).toMatchObject({
      status: 400,
      error: 'VALIDATION_ERROR',
    })
  })

  it('gives a destination a secret of its own; receivers verify with the new one or, during the grace period, the old one', async () => {
    const receiver = own(await startReceiver())
    const { qsp } = await service({ POSTBACK_SIGNING_SECRET: GLOBAL_SECRET })
    const destination = `http://127.0.0.1:${receiver.port}`
    const { secret } = await qsp.rotateDestinationSecret(destination)
    expect(secret).toMatch(/^whsec_/)
    expect(await qsp.destinationSecret(destination)).toEqual({ secret })
    expect((await qsp.destination(destination)).signing).toMatchObject({ rotating: true })

    await qsp.queue({ postbackUrl: receiver.url(), payload: { n: 1 } })
    const [request] = await receiver.waitForRequests(1)
    expect(verifyWebhook(request!.body, request!.headers, secret)).toEqual({ n: 1 })
    expect(verifyWebhook(request!.body, request!.headers, GLOBAL_SECRET)).toEqual({ n: 1 })

    const chosen = `whsec_${Buffer.from('a secret the operator chose').toString('base64')}`
    expect(await qsp.rotateDestinationSecret(destination, chosen)).toEqual({ secret: chosen })
    expect(await qsp.deleteDestinationSecret(destination)).toMatchObject({ destination })
    expect(await qsp.destinationSecret(destination).catch((error: unknown) => error)).toMatchObject({ status: 404 })
  })
})

describe('per-postback control through the client', () => {
  it('posts the status to the callback URL that matches how the postback ended', async () => {
    const receiver = own(await startReceiver((request) => ({ status: request.path === '/bad' ? 500 : 200 })))
    const { qsp } = await service({ POSTBACK_MAX_ATTEMPTS: '1' })
    const callbacks = { callbackUrl: receiver.url('/done'), failureCallbackUrl: receiver.url('/failed') }
    const good = (await qsp.queue({ postbackUrl: receiver.url('/good'), payload: {}, ...callbacks })).queueId
    const bad = (await qsp.queue({ postbackUrl: receiver.url('/bad'), payload: {}, ...callbacks })).queueId
    const requests = await receiver.waitForRequests(4)
    const callback = (path: string) => JSON.parse(requests.find((request) => request.path === path)!.body)
    expect(callback('/done')).toMatchObject({ event: 'postback.completed', postback: { id: good, status: 'completed' } })
    expect(callback('/failed')).toMatchObject({ event: 'postback.failed', postback: { id: bad, status: 'failed' } })
  })

  it('attempts postbacks with one ordering key one at a time, in the order queued', async () => {
    const receiver = own(await startReceiver((_request, index) => ({ status: 200, delayMs: index === 0 ? 200 : 0 })))
    const { app, qsp } = await service()
    const ids = []
    for (const n of [1, 2, 3]) ids.push((await qsp.queue({ postbackUrl: receiver.url(), payload: { n }, orderingKey: 'order-7' })).queueId)
    for (const id of ids) await postbackIn(app, id, ['completed'])
    const [first, second, third] = receiver.requests
    expect([first, second, third].map((request) => JSON.parse(request!.body).n)).toEqual([1, 2, 3])
    // The second starts only once the first was answered, after its 200 ms.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(190)
  })

  it('shows the last minutes of delivery', async () => {
    const receiver = own(await startReceiver())
    const { app, qsp } = await service()
    await postbackIn(app, (await qsp.queue({ postbackUrl: receiver.url(), payload: {} })).queueId, ['completed'])
    const activity = await qsp.activity()
    expect(activity.buckets.reduce((sum, bucket) => sum + bucket.delivered, 0)).toBe(1)
  })
})
