// The destination side of the store contract (SPEC §7–§8), run against every driver by
// store-contract.test.ts: pause, limits, holds, rate, quarantine with probes, ordering keys and
// ends kept until their callbacks are queued.
import { expect, it } from 'vitest'
import type { Stores } from '../../src/stores/registry.js'
import type { StoreKind } from '../helpers/redis.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { newLocation, openStoresAt, postback, type Location } from './drivers.js'
import { FakeHandler, type ReceiverAnswer } from './fake-handler.js'

const A = 'http://a.test:80'
const B = 'http://b.test:80'
const hook = (destination: string) => `${destination}/hook`

export function destinationsContract(kind: StoreKind): void {
  const { defer } = cleanupAfterEach()

  async function open(location: Location, env: Record<string, string>): Promise<Stores> {
    const stores = await openStoresAt(location, env)
    let closed = false
    defer(() => (closed ? undefined : stores.postbacks.close(0)))
    const close = stores.postbacks.close.bind(stores.postbacks)
    stores.postbacks.close = (drainMs) => {
      closed = true
      return close(drainMs)
    }
    return stores
  }

  async function fresh(env: Record<string, string> = {}): Promise<Stores & { location: Location; handler: FakeHandler }> {
    const location = await newLocation(kind)
    defer(() => location.remove())
    const stores = await open(location, env)
    const handler = new FakeHandler(10)
    stores.postbacks.consume(handler)
    return { ...stores, location, handler }
  }

  const statusOf = async ({ postbacks }: Stores, id: string) => (await postbacks.get(id))?.status

  it('gives a paused destination no attempts, keeps its postbacks pending, and drains them on resume', async () => {
    const { postbacks, destinations, handler } = await fresh()
    expect(await destinations.pause(A, Date.now())).toBe(true)
    expect(await destinations.pause(A, Date.now())).toBe(false)
    const ids = [(await postbacks.add(postback({ postbackUrl: hook(A) }))).id, (await postbacks.add(postback({ postbackUrl: hook(A) }))).id]
    const other = await postbacks.add(postback({ postbackUrl: hook(B) }))
    await waitFor(() => handler.ended.some((e) => e.delivery.id === other.id), { what: 'the other destination' })
    await sleep(300)
    expect(handler.startedFor(A)).toHaveLength(0)
    expect(await destinations.get(A)).toMatchObject({ pausedAt: expect.any(Number), pending: 2, limit: 0 })
    expect(await destinations.resume(A, Date.now())).toBe(true)
    await waitFor(async () => (await statusOf({ postbacks, destinations }, ids[1]!)) === 'completed', { what: 'drained after resume' })
    expect(await destinations.get(A)).toMatchObject({ pausedAt: null, pending: 0 })
  })

  it('keeps to a destination’s maxConcurrency, cluster-wide', async () => {
    const { postbacks, destinations, handler } = await fresh()
    await destinations.configure(A, { maxConcurrency: 2 }, Date.now())
    handler.answer = () => 'hold'
    for (let i = 0; i < 5; i++) await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.inFlight.length === 2, { what: '2 in flight' })
    await sleep(300)
    expect(handler.inFlight).toHaveLength(2)
    expect(await destinations.get(A)).toMatchObject({ settings: { maxConcurrency: 2, ratePerSecond: null, timeoutMs: null }, limit: 2 })
    await destinations.configure(A, { maxConcurrency: null }, Date.now())
    handler.finish(handler.inFlight[0]!)
    await waitFor(() => handler.inFlight.length === 4, { what: 'the default cap of 4 again' })
  })

  it('holds the whole destination until a Retry-After runs out', async () => {
    const { postbacks, handler } = await fresh()
    handler.answer = (d) => (handler.startedFor(A).length === 1 && d.attemptsMade === 0 ? { holdMs: 800 } : 'completed')
    const first = await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.started.length === 1, { what: 'the first attempt' })
    const heldAt = Date.now()
    const second = await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.ended.length === 2, { what: 'both completed', timeoutMs: 10_000 })
    const secondStart = handler.started.findIndex((d) => d.id === second.id)
    expect(secondStart).toBeGreaterThan(0)
    // Nothing to A before the hold ran out (a lower bound holds however slow the machine is).
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(700)
    expect(handler.started.filter((d) => d.id === first.id)).toHaveLength(2)
  })

  it('keeps a delivery that was not sent pending and uncounted, holding its destination until it may be tried again', async () => {
    const { postbacks, destinations, handler } = await fresh()
    let signable = false
    handler.answer = (d) => (signable || d.destination !== A ? 'completed' : { notSentForMs: 2000 })
    const ids = [(await postbacks.add(postback({ postbackUrl: hook(A) }))).id, (await postbacks.add(postback({ postbackUrl: hook(A) }))).id]
    const other = await postbacks.add(postback({ postbackUrl: hook(B) }))
    for (const id of ids) {
      await waitFor(async () => (await postbacks.get(id))?.lastError === 'SIGNING_SECRET_INVALID: not signed', { what: `${id} not sent` })
    }
    const started = handler.startedFor(A).length
    // A sleep only to show that the held destination gets nothing meanwhile.
    await sleep(300)
    expect(handler.startedFor(A)).toHaveLength(started)
    for (const id of ids) expect(await postbacks.get(id)).toMatchObject({ status: 'pending', attempts: [], retries: 0 })
    expect(await destinations.get(A)).toMatchObject({ lastError: 'SIGNING_SECRET_INVALID: not signed', failureRate: 0, quarantinedAt: null })
    await waitFor(() => handler.ended.some((e) => e.delivery.id === other.id), { what: 'the other destination' })
    signable = true
    for (const id of ids) {
      await waitFor(async () => (await postbacks.get(id))?.status === 'completed', { what: `${id} completed`, timeoutMs: 10_000 })
      expect((await postbacks.get(id))!.attempts).toHaveLength(1)
    }
  })

  it('starts no more attempts a second than ratePerSecond (a bucket of max(1, rate) tokens)', async () => {
    const { postbacks, destinations, handler } = await fresh()
    await destinations.configure(A, { ratePerSecond: 5 }, Date.now())
    const startedAt = Date.now()
    for (let i = 0; i < 10; i++) await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.ended.length === 10, { what: '10 completed', timeoutMs: 15_000 })
    // 5 at once from the full bucket, then one per 200 ms: the last cannot start before 1 s.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950)
  })

  it('uses the destination’s timeout unless the postback gives its own, and its secrets', async () => {
    const { postbacks, destinations, handler } = await fresh()
    await destinations.configure(A, { timeoutMs: 1234 }, Date.now())
    await destinations.rotateSecret(A, 'whsec_bmV3bmV3bmV3bmV3', 'whsec_b2xkb2xkb2xkb2xk', 42)
    const plain = await postbacks.add(postback({ postbackUrl: hook(A) }))
    const own = await postbacks.add(postback({ postbackUrl: hook(A), timeoutMs: 777 }))
    await waitFor(() => handler.ended.length === 2, { what: 'both' })
    const of = (id: string) => handler.started.find((d) => d.id === id)!
    expect(of(plain.id).timeoutMs).toBe(1234)
    expect(of(own.id).timeoutMs).toBe(777)
    expect(of(plain.id).signing).toEqual({ secret: 'whsec_bmV3bmV3bmV3bmV3', previousSecret: 'whsec_b2xkb2xkb2xkb2xk', rotatedAt: 42 })
    expect(await destinations.secrets(A)).toEqual({ secret: 'whsec_bmV3bmV3bmV3bmV3', previousSecret: 'whsec_b2xkb2xkb2xkb2xk', rotatedAt: 42 })
  })

  it('quarantines a failing destination without losing its postbacks, probes it, and drains it once it recovers', async () => {
    const { postbacks, destinations, handler } = await fresh({ DESTINATION_QUARANTINE_AFTER_MS: '60000', DESTINATION_PROBE_MS: '400' })
    let down = true
    handler.answer = () => (down ? 'failed' : 'completed')
    const ids: string[] = []
    for (let i = 0; i < 8; i++) ids.push((await postbacks.add(postback({ postbackUrl: hook(A), maxAttempts: 1 }))).id)
    await waitFor(() => handler.events.some((e) => e.event === 'destination.quarantined'), { what: 'quarantine' })
    expect(handler.events[0]).toMatchObject({ destination: A, reason: expect.stringMatching(/^5 failed attempts in a row since /) })
    expect(await destinations.get(A)).toMatchObject({ quarantinedAt: expect.any(Number), limit: 1 })
    // The fifth failure would have ended its postback: it stays pending, as do those not tried yet
    // (which four fail first is the store's choice among postbacks queued in the same millisecond).
    const details = (await Promise.all(ids.map((id) => postbacks.get(id)))).map((d) => d!)
    expect(details.filter((d) => d.status === 'failed')).toHaveLength(4)
    expect(details.filter((d) => d.status === 'pending' || d.status === 'processing')).toHaveLength(4)
    const kept = details.find((d) => d.status !== 'failed' && d.attempts.some((a) => !a.probe))!

    const before = handler.started.length
    await waitFor(() => handler.started.length > before, { what: 'a probe' })
    expect(handler.started.at(-1)!.probe).toBe(true)
    down = false
    await waitFor(() => handler.events.some((e) => e.event === 'destination.recovered'), { what: 'recovery', timeoutMs: 10_000 })
    await waitFor(async () => (await postbacks.counts()).byStatus.completed === 4, { what: 'the backlog drained', timeoutMs: 10_000 })
    expect(await destinations.get(A)).toMatchObject({ quarantinedAt: null })
    // Probes spend no attempts: the postback kept by the quarantine completed on its second try.
    expect((await postbacks.get(kept.id))!.attempts.length).toBeGreaterThanOrEqual(2)
  })

  it('quarantines on what says the host is unwell (network errors, timeouts, 429, 502, 503, 504), never on 500s or 4xx', async () => {
    const { postbacks, destinations, handler } = await fresh({ DESTINATION_QUARANTINE_AFTER_MS: '60000', DESTINATION_PROBE_MS: '60000' })
    const counted: Record<string, ReceiverAnswer> = {
      'http://s502.test:80': { statusCode: 502 },
      'http://s503.test:80': { statusCode: 503 },
      'http://s504.test:80': { statusCode: 504 },
      'http://s429.test:80': { statusCode: 429 },
      'http://timeout.test:80': { timedOut: true, error: 'Timed out after 2000 ms' },
      'http://refused.test:80': { error: 'connect ECONNREFUSED 127.0.0.1:80' },
    }
    const uncounted: Record<string, ReceiverAnswer> = { 'http://s500.test:80': { statusCode: 500 }, 'http://s404.test:80': { statusCode: 404 } }
    // A 500 among counted failures neither counts nor ends their streak.
    const mixed = 'http://mixed.test:80'
    const answers: Record<string, ReceiverAnswer> = { ...counted, ...uncounted }
    handler.answer = (d) => ({ receiver: answers[d.destination] ?? { statusCode: (JSON.parse(d.body) as { n: number }).n === 2 ? 500 : 503 } })
    for (const destination of [...Object.keys(answers), mixed]) {
      for (let n = 0; n < 6; n++) await postbacks.add(postback({ postbackUrl: hook(destination), maxAttempts: 1, payload: { n } }))
    }
    const quarantined = () => new Set(handler.events.filter((e) => e.event === 'destination.quarantined').map((e) => e.destination))
    await waitFor(() => [...Object.keys(counted), mixed].every((d) => quarantined().has(d)), { what: 'quarantines', timeoutMs: 10_000 })
    const ended = (destination: string) => handler.ended.filter((e) => e.delivery.destination === destination && e.status === 'failed')
    await waitFor(() => Object.keys(uncounted).every((d) => ended(d).length === 6), { what: 'the 500s and 404s to fail' })
    for (const destination of Object.keys(uncounted)) {
      expect(quarantined().has(destination), destination).toBe(false)
      expect(await destinations.get(destination), destination).toMatchObject({ quarantinedAt: null, pending: 0 })
    }
  })

  it('quarantines by the clock a destination whose failure streak lasts DESTINATION_QUARANTINE_AFTER_MS', async () => {
    const { postbacks, handler } = await fresh({ DESTINATION_QUARANTINE_AFTER_MS: '300', DESTINATION_PROBE_MS: '60000' })
    handler.answer = () => ({ retryInMs: 60_000 })
    for (let i = 0; i < 5; i++) await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.events.some((e) => e.event === 'destination.quarantined'), { what: 'quarantine by the clock', timeoutMs: 10_000 })
    expect(handler.started).toHaveLength(5)
  })

  it('attempts postbacks with the same ordering key one at a time, in order, a retry keeping its place', async () => {
    const { postbacks, handler } = await fresh()
    // The second of the line fails its first attempt.
    handler.answer = (d) => ((JSON.parse(d.body) as { n: number }).n === 1 && d.attemptsMade === 0 ? { retryInMs: 200 } : 'completed')
    const ids: string[] = []
    for (let n = 0; n < 5; n++) ids.push((await postbacks.add(postback({ postbackUrl: hook(A), orderingKey: 'order-7', payload: { n } }))).id)
    const loose = await postbacks.add(postback({ postbackUrl: hook(A) }))
    await waitFor(() => handler.ended.length === 6, { what: 'all six', timeoutMs: 10_000 })
    const keyed = handler.ended.map((e) => e.delivery.id).filter((id) => id !== loose.id)
    expect(keyed).toEqual(ids)
    expect(handler.started.filter((d) => d.orderingKey === 'order-7').map((d) => d.id)).toEqual([ids[0], ids[1], ids[1], ids[2], ids[3], ids[4]])
  })

  it('lets the next of an ordering key go when the one before it is canceled, and sends a re-queued one to the back', async () => {
    const { postbacks, handler } = await fresh()
    handler.answer = () => 'hold'
    const first = await postbacks.add(postback({ postbackUrl: hook(A), orderingKey: 'k' }))
    const second = await postbacks.add(postback({ postbackUrl: hook(A), orderingKey: 'k', delayMs: 60_000 }))
    const third = await postbacks.add(postback({ postbackUrl: hook(A), orderingKey: 'k' }))
    await waitFor(() => handler.inFlight.length === 1, { what: 'the first in flight' })
    handler.finish(first.id)
    // second heads the line but is not due for a minute; third waits behind it until it is canceled.
    await sleep(300)
    expect(handler.inFlight).toEqual([])
    expect((await postbacks.cancel(second.id, Date.now())).ok).toBe(true)
    await waitFor(() => handler.inFlight.includes(third.id), { what: 'third after the cancel' })
    expect((await postbacks.retry(first.id, Date.now())).ok).toBe(true)
    await sleep(300)
    expect(handler.inFlight).toEqual([third.id])
    handler.finish(third.id)
    await waitFor(() => handler.inFlight.includes(first.id), { what: 'the re-queued first, last in line' })
  })

  it('keeps the end of a postback with a callback until the handler is done with it, and hands it over again after a restart', async () => {
    const env = { POSTBACK_LOCK_MS: '1000' }
    const { postbacks, handler, location } = await fresh(env)
    handler.endHandled = () => new Promise(() => undefined)
    const { id } = await postbacks.add(postback({ postbackUrl: hook(A), callbackUrl: 'http://callback.test/done' }))
    await waitFor(() => handler.ended.length === 1, { what: 'the end' })
    expect(handler.ended[0]!.delivery.hasCallbacks).toBe(true)
    await postbacks.close(0)

    const reopened = await open(location, env)
    const next = new FakeHandler(10)
    const handled: string[] = []
    next.endHandled = (ended) => void handled.push(ended.delivery.id)
    reopened.postbacks.consume(next)
    await waitFor(() => handled.includes(id), { what: 'the end handed over again', timeoutMs: 10_000 })
    expect(next.ended[0]).toMatchObject({ status: 'completed' })
    expect(next.started).toHaveLength(0)
    // Once handled, it is not handed over again.
    await sleep(2500)
    expect(handled).toEqual([id])
  })

  it('lists destinations it knows, with settings or postbacks, and says nothing of others', async () => {
    const { postbacks, destinations } = await fresh()
    await destinations.configure(B, { ratePerSecond: 0.5 }, Date.now())
    await postbacks.add(postback({ postbackUrl: hook(A), delayMs: 60_000 }))
    const listed = await destinations.list()
    expect(listed.map((d) => d.destination).sort()).toEqual([A, B])
    expect(listed.find((d) => d.destination === A)).toMatchObject({ pending: 1, inFlight: 0, settings: { ratePerSecond: null } })
    expect(listed.find((d) => d.destination === B)).toMatchObject({ pending: 0, settings: { ratePerSecond: 0.5 } })
    expect(await destinations.get('http://unknown.test:80')).toBeUndefined()
  })

  it('keeps the last 15 minutes of delivery in 10-second buckets, with each destination’s failure rate', async () => {
    const { postbacks, handler } = await fresh()
    handler.answer = (d) => (d.destination === B ? 'failed' : 'completed')
    for (let i = 0; i < 3; i++) await postbacks.add(postback({ postbackUrl: hook(A) }))
    await postbacks.add(postback({ postbackUrl: hook(B), maxAttempts: 1 }))
    await waitFor(() => handler.ended.length === 4, { what: 'four ended' })
    const activity = await waitFor(async () => {
      const found = await postbacks.activity()
      return found.buckets.reduce((sum, b) => sum + b.delivered + b.failed, 0) === 4 && found
    }, { what: 'the activity' })
    expect(activity.bucketMs).toBe(10_000)
    expect(activity.buckets).toHaveLength(90)
    expect(activity.buckets.reduce((sum, b) => sum + b.attempts, 0)).toBe(4)
    const rates = Object.fromEntries(activity.destinations.map((d) => [d.destination, d.failureRates.filter((r) => r !== null)]))
    expect(rates[A]!.every((r) => r === 0)).toBe(true)
    expect(rates[B]).toEqual([1])
  })

  it('fails the pending postbacks of a destination quarantined for DESTINATION_GIVE_UP_AFTER_MS, and keeps it quarantined', async () => {
    const { postbacks, destinations, handler } = await fresh({
      DESTINATION_QUARANTINE_AFTER_MS: '60000',
      DESTINATION_PROBE_MS: '60000',
      DESTINATION_GIVE_UP_AFTER_MS: '1000',
    })
    handler.answer = () => 'failed'
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push((await postbacks.add(postback({ postbackUrl: hook(A), maxAttempts: 1 }))).id)
    await waitFor(() => handler.events.some((e) => e.event === 'destination.quarantined'), { what: 'quarantine' })
    await waitFor(async () => (await postbacks.counts()).byStatus.failed === 7, { what: 'the give-up', timeoutMs: 15_000 })
    // Four failed on their own attempts; the three the quarantine kept pending were given up on.
    const details = (await Promise.all(ids.map((id) => postbacks.get(id)))).map((d) => d!)
    const waiting = details.filter((d) => d.lastError?.startsWith('DESTINATION_QUARANTINED: ')).map((d) => d.id)
    expect(waiting).toHaveLength(3)
    await waitFor(() => waiting.every((id) => handler.ended.some((e) => e.delivery.id === id)), { what: 'their ends handed over' })
    expect(await destinations.get(A)).toMatchObject({ quarantinedAt: expect.any(Number), pending: 0 })
  })
}
