import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { startReceiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const receiver = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

/** A receiver that counts the requests it is answering at once. */
async function measuredReceiver(answer: () => { status: number }, delayMs: number) {
  const load = { open: 0, most: 0 }
  const target = await receiver(async () => {
    load.most = Math.max(load.most, ++load.open)
    await sleep(delayMs)
    load.open--
    return answer()
  })
  return { target, load }
}

const stores = await storesUnderTest()

describe.each(stores)('fair delivery (%s store)', (store) => {
  const start = async (env: Record<string, string>) => own(await startApp({ STORE: store, ...env }))

  const enqueue = async (app: TestApp, url: string, count: number, extra: object = {}) => {
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      ids.push((await app.api('/api/queue/postback', { body: { postbackUrl: url, payload: { i }, ...extra } })).body.queueId)
    }
    return ids
  }

  it('keeps a fast destination at full speed while a hanging one holds only its own slots', async () => {
    const hanging = await receiver(() => ({ hang: true }))
    const fast = await receiver(() => ({ status: 200 }))
    const app = await start({ POSTBACK_CONCURRENCY: '5', POSTBACK_HOST_CONCURRENCY: '2', POSTBACK_TIMEOUT_MS: '20000' })

    // The hanging destination's postbacks are queued first, so they are due first.
    await enqueue(app, hanging.url(), 20)
    const fastIds = await enqueue(app, fast.url(), 60)
    await fast.waitForRequests(60, 10_000)
    await waitFor(async () => (await app.api('/api/queue/stats')).body.counts.completed === 60, { what: '60 completed' })

    expect(hanging.requests).toHaveLength(2)
    const stats = (await app.api('/api/queue/stats')).body
    expect(stats.counts.pending).toBe(18)
    expect(stats.hosts).toContainEqual({
      destination: `http://127.0.0.1:${hanging.port}`,
      inFlight: 2,
      limit: 2,
      failureRate: 0,
    })
    for (const id of fastIds.slice(0, 3)) expect((await app.api(`/api/queue/postback/${id}`)).body.status).toBe('completed')
  })

  it('gives a destination that answers 429 fewer slots, and gives them back once it recovers', async () => {
    let overloaded = true
    const { target, load } = await measuredReceiver(() => ({ status: overloaded ? 429 : 200 }), 40)
    const app = await start({
      POSTBACK_CONCURRENCY: '10',
      POSTBACK_HOST_CONCURRENCY: '4',
      POSTBACK_BACKOFF_MS: '10',
      POSTBACK_MAX_ATTEMPTS: '100',
      POSTBACK_MAX_ATTEMPTS_LIMIT: '100',
    })
    const destination = `http://127.0.0.1:${target.port}`
    const hostStats = async () =>
      ((await app.api('/api/queue/stats')).body.hosts as any[]).find((h) => h.destination === destination)

    // Due together, so the first attempts really run side by side.
    const together = () => ({ runAt: new Date(Date.now() + 1000).toISOString() })
    await enqueue(app, target.url(), 12, together())
    await waitFor(async () => (await hostStats())?.limit === 1, { what: 'the window to shrink to 1' })
    expect(load.most).toBe(4)
    expect((await hostStats()).failureRate).toBe(1)

    // While squeezed, the destination sees one request at a time.
    load.most = load.open
    await sleep(300)
    expect(load.most).toBeLessThanOrEqual(1)

    overloaded = false
    await waitFor(async () => (await hostStats())?.limit === 4 || (await hostStats()) === undefined, {
      what: 'the window to grow back to 4',
    })
    load.most = 0
    await enqueue(app, target.url(), 12, together())
    await waitFor(() => load.most === 4, { what: '4 requests at once again' })
  })
})
