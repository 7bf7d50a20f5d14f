// Destinations through the API, on both stores, with real receivers on loopback (SPEC §7–§8).
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, signatureHeaders } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const receiver = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))
const path = (destination: string) => `/api/destinations/${encodeURIComponent(destination)}`
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

describe.each(await storesUnderTest())('destinations (%s store)', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const enqueue = async (app: TestApp, body: object) => {
    const response = await app.api('/api/queue/postback', { body })
    expect(response.status).toBe(200)
    return response.body.queueId as string
  }

  it('answers a destination never seen with 404, and creates it on PATCH; null clears a setting', async () => {
    const app = await start()
    const destination = 'https://api.example.com:443'
    expect((await app.api(path(destination))).status).toBe(404)
    const patched = await app.api(path('https://API.example.com'), { method: 'PATCH', body: { maxConcurrency: 2, ratePerSecond: 0.5 } })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({
      destination,
      state: 'active',
      settings: { maxConcurrency: 2, ratePerSecond: 0.5, timeoutMs: null },
      signing: { rotating: false, rotatedAt: null },
    })
    const cleared = await app.api(path(destination), { method: 'PATCH', body: { ratePerSecond: null } })
    expect(cleared.body.settings).toEqual({ maxConcurrency: 2, ratePerSecond: null, timeoutMs: null })
    expect((await app.api('/api/destinations')).body.map((d: any) => d.destination)).toContain(destination)
  })

  it('refuses a destination with a path, a query or credentials, and bad settings, with 400', async () => {
    const app = await start()
    for (const bad of ['https://api.example.com/hooks', 'https://api.example.com?x=1', 'https://u:p@api.example.com', 'ftp://x.example', 'nope']) {
      const response = await app.api(path(bad), { method: 'PATCH', body: { maxConcurrency: 1 } })
      expect(response.status, bad).toBe(400)
      expect(response.body.error).toBe('VALIDATION_ERROR')
    }
    const zero = await app.api(path('https://api.example.com'), { method: 'PATCH', body: { maxConcurrency: 0 } })
    expect(zero.status).toBe(400)
  })

  it('keeps a paused destination’s postbacks pending with no attempts, and drains them on resume', async () => {
    const target = await receiver()
    const ops = await receiver()
    const app = await start({ OPS_WEBHOOK_URL: ops.url('/ops') })
    const destination = `http://127.0.0.1:${target.port}`
    const paused = await app.api(`${path(destination)}/pause`, { method: 'POST' })
    expect(paused.body).toMatchObject({ state: 'paused', stateSince: expect.any(String), limit: 0 })
    const ids = [await enqueue(app, { postbackUrl: target.url(), payload: { n: 1 } }), await enqueue(app, { postbackUrl: target.url(), payload: { n: 2 } })]
    await sleep(400)
    expect(target.requests).toHaveLength(0)
    expect((await app.api(path(destination))).body).toMatchObject({ state: 'paused', pending: 2 })
    expect((await app.api(`/api/queue/postback/${ids[0]}`)).body).toMatchObject({ status: 'pending', attempts: [] })

    const resumed = await app.api(`${path(destination)}/resume`, { method: 'POST' })
    expect(resumed.body.state).toBe('active')
    await target.waitForRequests(2)
    for (const id of ids) await postbackIn(app, id, ['completed'])
    const events = (await ops.waitForRequests(2)).map((r) => JSON.parse(r.body))
    expect(events.map((e) => e.event)).toEqual(['destination.paused', 'destination.resumed'])
    expect(events[0]).toMatchObject({ destination, reason: expect.any(String), timestamp: expect.any(String) })
  })

  it('quarantines a receiver that keeps failing, spends no attempts while it is down, and delivers everything once a probe succeeds', async () => {
    let down = true
    const target = await receiver(() => ({ status: down ? 503 : 200 }))
    const ops = await receiver()
    const app = await start({
      OPS_WEBHOOK_URL: ops.url('/ops'),
      DESTINATION_QUARANTINE_AFTER_MS: '300',
      DESTINATION_PROBE_MS: '500',
      POSTBACK_MAX_ATTEMPTS: '2',
      POSTBACK_BACKOFF_MS: '20',
    })
    const destination = `http://127.0.0.1:${target.port}`
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push(await enqueue(app, { postbackUrl: target.url(), payload: { i } }))
    await waitFor(async () => (await app.api(path(destination))).body.state === 'quarantined', { what: 'quarantine', timeoutMs: 10_000 })
    const quarantined = JSON.parse((await ops.waitForRequests(1))[0]!.body)
    expect(quarantined).toMatchObject({ event: 'destination.quarantined', destination })
    const metrics = (await app.api('/metrics')).body as string
    expect(metrics).toContain('qsp_destinations{state="quarantined"} 1')
    expect(metrics).toContain(`qsp_destination_held{destination="${destination}",state="quarantined"} 1`)
    expect(metrics).toMatch(/qsp_destination_events_total\{event="destination.quarantined"\} 1/)

    // While quarantined, a new postback stays pending without attempts (a probe is one attempt at most).
    const later = await enqueue(app, { postbackUrl: target.url(), payload: { later: true } })
    const seen = target.requests.length
    await sleep(200)
    expect(target.requests.length - seen).toBeLessThanOrEqual(1)
    expect((await app.api(`/api/queue/postback/${later}`)).body.status).toBe('pending')
    for (const id of ids) expect(['pending', 'failed', 'processing']).toContain((await app.api(`/api/queue/postback/${id}`)).body.status)

    down = false
    await waitFor(async () => (await app.api(path(destination))).body.state === 'active', { what: 'recovery', timeoutMs: 15_000 })
    await postbackIn(app, later, ['completed'], 15_000)
    const recovered = (await ops.waitForRequests(2))[1]!
    expect(JSON.parse(recovered.body)).toMatchObject({ event: 'destination.recovered', destination })
    // Nothing was lost: every postback ended, and those kept by the quarantine completed.
    const ended = await Promise.all(ids.map((id) => postbackIn(app, id, ['completed', 'failed'], 15_000)))
    expect(ended.some((p) => p.status === 'completed')).toBe(true)
  })

  it('fails postbacks to a path answering 500 after their attempts without holding the rest of the host (default settings)', async () => {
    const target = await receiver((request) => (request.path === '/broken' ? { status: 500 } : { hang: true }))
    const app = await start()
    const destination = `http://127.0.0.1:${target.port}`
    // Six 500s in a row, back to back: the seed's "failed after 3 attempts", twice.
    for (let i = 0; i < 2; i++) {
      const id = await enqueue(app, { postbackUrl: target.url('/broken'), payload: { i } })
      expect(await postbackIn(app, id, ['failed'])).toMatchObject({ retries: 2, lastStatusCode: 500 })
    }
    expect((await app.api(path(destination))).body.state).toBe('active')
    const other = await enqueue(app, { postbackUrl: target.url('/slow'), payload: {} })
    await postbackIn(app, other, ['processing'], 5000)
  })

  it('signs with a destination’s own secret, and with both the new and the old during a rotation', async () => {
    const target = await receiver()
    const app = await start({ POSTBACK_SIGNING_SECRET: SECRET })
    const destination = `http://127.0.0.1:${target.port}`
    const rotated = await app.api(`${path(destination)}/secret`, { method: 'POST' })
    expect(rotated.status).toBe(200)
    const secret = rotated.body.secret as string
    expect(secret).toMatch(/^whsec_/)
    expect((await app.api(`${path(destination)}/secret`)).body).toEqual({ secret })
    expect((await app.api(path(destination))).body.signing).toMatchObject({ rotating: true, rotatedAt: expect.any(String) })

    await enqueue(app, { postbackUrl: target.url(), payload: { n: 1 } })
    const [request] = await target.waitForRequests(1)
    const headers = signatureHeaders(request!)
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2)
    // Receivers verify with either secret, with the standardwebhooks library.
    expect(new Webhook(secret).verify(request!.body, headers)).toEqual({ n: 1 })
    expect(new Webhook(SECRET).verify(request!.body, headers)).toEqual({ n: 1 })

    const back = await app.api(`${path(destination)}/secret`, { method: 'DELETE' })
    expect(back.status).toBe(200)
    expect((await app.api(`${path(destination)}/secret`)).status).toBe(404)
    await enqueue(app, { postbackUrl: target.url(), payload: { n: 2 } })
    const [, second] = await target.waitForRequests(2)
    expect(new Webhook(SECRET).verify(second!.body, signatureHeaders(second!))).toEqual({ n: 2 })
    expect(new Webhook(secret).verify(second!.body, signatureHeaders(second!))).toEqual({ n: 2 })
  })

  it('posts the final status to callbackUrl or failureCallbackUrl, with qsp-postback-id', async () => {
    const ok = await receiver()
    const gone = await receiver(() => ({ status: 410 }))
    const callbacks = await receiver()
    const app = await start()
    const completed = await enqueue(app, { postbackUrl: ok.url(), payload: { a: 1 }, headers: { authorization: 'secret' }, callbackUrl: callbacks.url('/done'), failureCallbackUrl: callbacks.url('/failed') })
    const failed = await enqueue(app, { postbackUrl: gone.url(), payload: {}, callbackUrl: callbacks.url('/done'), failureCallbackUrl: callbacks.url('/failed') })
    const received = await callbacks.waitForRequests(2)
    const byPath = Object.fromEntries(received.map((r) => [r.path, r]))
    const done = JSON.parse(byPath['/done']!.body)
    expect(byPath['/done']!.headers['qsp-postback-id']).toBe(completed)
    expect(done).toMatchObject({ event: 'postback.completed', timestamp: expect.any(String), postback: { id: completed, status: 'completed' } })
    // The status object, without what was queued: a receiver's Authorization header travels no further.
    expect(done.postback.payload).toBeUndefined()
    expect(done.postback.headers).toBeUndefined()
    expect(JSON.parse(byPath['/failed']!.body)).toMatchObject({ event: 'postback.failed', postback: { id: failed, status: 'failed', lastStatusCode: 410 } })
    await sleep(300)
    expect(callbacks.requests).toHaveLength(2)
    expect((await app.api('/metrics')).body).toContain('qsp_callbacks_queued_total 2')
  })

  it('posts the callback with the query values of the postback’s URLs redacted, while GET keeps them as queued', async () => {
    const ok = await receiver()
    const callbacks = await receiver()
    const app = await start()
    const postbackUrl = ok.url('/hook?token=s3cr3t&x=1')
    const failureCallbackUrl = callbacks.url('/failed?key=k3y')
    const id = await enqueue(app, { postbackUrl, payload: {}, callbackUrl: callbacks.url('/done?sig=abc'), failureCallbackUrl })
    const [callback] = await callbacks.waitForRequests(1)
    expect(callback!.path).toBe('/done')
    expect(callback!.query).toEqual({ sig: 'abc' })
    expect(JSON.parse(callback!.body).postback).toMatchObject({
      id,
      postbackUrl: ok.url('/hook?token=REDACTED&x=REDACTED'),
      callbackUrl: callbacks.url('/done?sig=REDACTED'),
      failureCallbackUrl: callbacks.url('/failed?key=REDACTED'),
    })
    expect((await app.api(`/api/queue/postback/${id}`)).body).toMatchObject({ postbackUrl, failureCallbackUrl })
  })

  it('keeps the order of an ordering key with a receiver that fails some attempts', async () => {
    let calls = 0
    const target = await receiver(() => ({ status: ++calls % 3 === 0 ? 500 : 200 }))
    const app = await start({ POSTBACK_MAX_ATTEMPTS: '5', POSTBACK_BACKOFF_MS: '20' })
    const ids: string[] = []
    for (let n = 0; n < 8; n++) ids.push(await enqueue(app, { postbackUrl: target.url(), payload: { n }, orderingKey: 'account-9' }))
    for (const id of ids) await postbackIn(app, id, ['completed'], 15_000)
    const delivered = target.requests.filter((r) => r.headers['webhook-id']).map((r) => JSON.parse(r.body).n as number)
    // Each postback is tried until it succeeds before the next starts: the order of first tries is the queue's.
    const firstTries = delivered.filter((n, i) => delivered.indexOf(n) === i)
    expect(firstTries).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThanOrEqual(delivered[i - 1]!)
    expect((await app.api(`/api/queue/postback/${ids[0]}`)).body.orderingKey).toBe('account-9')
  })
})
