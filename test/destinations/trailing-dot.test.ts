// A host with a trailing dot names the same destination as without it, on both stores (SPEC §7):
// through the API, in postbacks, and for destinations an earlier version stored apart.
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, toLoopback, signatureHeaders } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { writeStoredLayout } from '../helpers/store-layout.js'
import { sleep } from '../helpers/wait.js'
import { newLocation, postback } from '../stores/drivers.js'

const { own, defer } = cleanupAfterEach()
const path = (destination: string) => `/api/destinations/${encodeURIComponent(destination)}`
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

describe.each(await storesUnderTest())('trailing-dot hosts (%s store)', (store) => {
  const enqueue = async (app: TestApp, postbackUrl: string, payload: object = {}) => {
    const response = await app.api('/api/queue/postback', { body: { postbackUrl, payload } })
    expect(response.status).toBe(200)
    return response.body.queueId as string
  }

  it('names one destination with and without the trailing dot, in paths and in postbacks, and sends to the URL as queued', async () => {
    const receiver = own(await startReceiver())
    const app = own(await startApp({ STORE: store }, { lookup: toLoopback }))
    const dotless = `http://localhost:${receiver.port}`
    const patched = await app.api(path(`http://LOCALHOST.:${receiver.port}`), { method: 'PATCH', body: { maxConcurrency: 2 } })
    expect(patched.body.destination).toBe(dotless)
    expect((await app.api(`${path(`http://localhost.:${receiver.port}`)}/pause`, { method: 'POST' })).body.state).toBe('paused')
    const ids = [
      await enqueue(app, `http://localhost.:${receiver.port}/dotted`),
      await enqueue(app, `http://localhost:${receiver.port}/dotless`),
    ]
    // A sleep only to show that the one pause holds both.
    await sleep(300)
    expect(receiver.requests).toHaveLength(0)
    expect((await app.api(path(dotless))).body).toMatchObject({ state: 'paused', pending: 2, settings: { maxConcurrency: 2 } })
    expect((await app.api('/api/destinations')).body.map((d: { destination: string }) => d.destination)).toEqual([dotless])

    expect((await app.api(`${path(dotless)}/resume`, { method: 'POST' })).body.state).toBe('active')
    for (const id of ids) await postbackIn(app, id, ['completed'])
    const hosts = Object.fromEntries(receiver.requests.map((r) => [r.path, r.headers.host]))
    expect(hosts).toEqual({ '/dotted': `localhost.:${receiver.port}`, '/dotless': `localhost:${receiver.port}` })
  })

  it('merges what an earlier version stored under a trailing-dot host into the dotless destination at start-up', async () => {
    const receiver = own(await startReceiver())
    const dotted = `http://localhost.:${receiver.port}`
    const dotless = `http://localhost:${receiver.port}`
    const location = await newLocation(store)
    defer(() => location.remove())
    const now = Date.now()
    const queued = (url: string, destination: string, n: number, orderingKey?: string) => ({
      ...postback({ postbackUrl: `${url}/n${n}`, payload: { n }, ...(orderingKey ? { orderingKey } : {}), at: now - 1000 + n }),
      destination,
    })
    const postbacks = [
      queued(dotted, dotted, 0, 'k'),
      queued(dotted, dotted, 1, 'k'),
      queued(dotless, dotless, 2, 'k'),
      queued(dotted, dotted, 3),
    ]
    const done = queued(dotted, dotted, 4)
    await writeStoredLayout(location, {
      destinations: {
        // Paused, quarantined (its probe due), with settings and a secret of its own.
        [dotted]: {
          max_concurrency: 3, rate_per_second: 50, paused_at: now - 5000, active_since: now - 9000, secret: SECRET,
          rotated_at: now - 3 * 86_400_000, streak: 5, streak_since: now - 8000, quarantined_at: now - 7000, probe_at: now - 1000,
          probe_delay_ms: 60_000,
        },
        [dotless]: { max_concurrency: 2, active_since: now - 9000 },
      },
      postbacks,
      completed: [done],
      schemaVersion: 3,
    })
    const app = own(await startApp({ ...location.env, DESTINATION_PROBE_MS: '200' }, { lookup: toLoopback }))

    const listed = (await app.api('/api/destinations')).body
    expect(listed.map((d: { destination: string }) => d.destination)).toEqual([dotless])
    // The dotless one's settings win; what only the dotted one had (its rate, pause, secret) is kept.
    expect(listed[0]).toMatchObject({ state: 'paused', pending: 4, settings: { maxConcurrency: 2, ratePerSecond: 50, timeoutMs: null } })
    expect((await app.api(`${path(dotless)}/secret`)).body).toEqual({ secret: SECRET })
    expect((await app.api(path(dotted))).body.destination).toBe(dotless)

    expect((await app.api(`${path(dotless)}/resume`, { method: 'POST' })).status).toBe(200)
    const ended = []
    for (const { id } of postbacks) ended.push(await postbackIn(app, id, ['completed'], 15_000))
    // Still quarantined after the upgrade: the first attempt was a probe.
    expect(ended.flatMap((p) => p.attempts).filter((a: { probe?: boolean }) => a.probe)).toHaveLength(1)
    const order = receiver.requests.map((r) => JSON.parse(r.body).n as number)
    expect(order.indexOf(0)).toBeLessThan(order.indexOf(1))
    for (const request of receiver.requests) expect(() => new Webhook(SECRET).verify(request.body, signatureHeaders(request))).not.toThrow()
    expect(receiver.requests.find((r) => r.path === '/n3')!.headers.host).toBe(`localhost.:${receiver.port}`)
    expect((await app.api(path(dotless))).body).toMatchObject({ state: 'active', pending: 0 })

    // A postback that had finished under the dotted name is re-queued under the dotless one.
    expect((await app.api(`/api/queue/postback/${done.id}/retry`, { method: 'POST' })).status).toBe(200)
    await postbackIn(app, done.id, ['completed'])
    expect(receiver.requests.map((r) => r.path)).toContain('/n4')
    expect((await app.api('/api/destinations')).body.map((d: { destination: string }) => d.destination)).toEqual([dotless])
  })
})
