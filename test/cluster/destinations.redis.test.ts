// Destination settings and state across two instances on one Redis: a rate limit, a pause and an
// ordering key hold for the cluster, not per instance. (The portable behaviour is in
// test/stores/destinations-contract.ts and test/destinations/.)
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver } from '../helpers/receiver.js'
import { deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { sleep } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const path = (destination: string) => `/api/destinations/${encodeURIComponent(destination)}`

async function cluster(env: Record<string, string> = {}): Promise<[TestApp, TestApp]> {
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  const shared = { STORE: 'redis', REDIS_PREFIX: prefix, ...env }
  return [own(await startApp(shared)), own(await startApp(shared))]
}

const enqueue = async (app: TestApp, body: object) => (await app.api('/api/queue/postback', { body })).body.queueId as string

describe.runIf((await storesUnderTest()).includes('redis'))('destinations across two instances', () => {
  it('keeps ratePerSecond for the cluster: 5 a second, counted at the receiver', async () => {
    const target = own(await startReceiver())
    const [a, b] = await cluster({ POSTBACK_CONCURRENCY: '10', POSTBACK_HOST_CONCURRENCY: '10' })
    await a.api(path(`http://127.0.0.1:${target.port}`), { method: 'PATCH', body: { ratePerSecond: 5 } })
    const runAt = new Date(Date.now() + 1000).toISOString()
    for (let i = 0; i < 30; i++) await enqueue(i % 2 ? a : b, { postbackUrl: target.url(), payload: { i }, runAt })
    const requests = await target.waitForRequests(30, 30_000)
    const times = requests.map((r) => r.receivedAt)
    const spanMs = times.at(-1)! - times[0]!
    // The bucket holds 5 tokens: 5 at once, then 25 at 5 a second take at least 5 s, whichever
    // instance claims them. Timers fire late on a busy machine, never early, so the lower bound
    // holds by construction; 4.5 s leaves room for the first token's refill starting at the burst.
    expect(spanMs).toBeGreaterThanOrEqual(4500)
    // In any second, at most 5 from the refill plus the 5 of the burst.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10)
  })

  it('pauses a destination for every instance and resumes it from any', async () => {
    const target = own(await startReceiver())
    const [a, b] = await cluster()
    const destination = `http://127.0.0.1:${target.port}`
    await a.api(`${path(destination)}/pause`, { method: 'POST' })
    const ids = [await enqueue(b, { postbackUrl: target.url(), payload: {} }), await enqueue(a, { postbackUrl: target.url(), payload: {} })]
    await sleep(500)
    expect(target.requests).toHaveLength(0)
    expect((await b.api(path(destination))).body).toMatchObject({ state: 'paused', pending: 2 })
    await b.api(`${path(destination)}/resume`, { method: 'POST' })
    for (const id of ids) await postbackIn(a, id, ['completed'])
  })

  it('keeps the order of an ordering key across instances, with a receiver that fails some attempts', async () => {
    let calls = 0
    const target = own(await startReceiver(() => ({ status: ++calls % 4 === 0 ? 503 : 200 })))
    const [a, b] = await cluster({ POSTBACK_MAX_ATTEMPTS: '6', POSTBACK_BACKOFF_MS: '20' })
    const ids: string[] = []
    for (let n = 0; n < 10; n++) ids.push(await enqueue(n % 2 ? a : b, { postbackUrl: target.url(), payload: { n }, orderingKey: 'user-1' }))
    for (const id of ids) await postbackIn(a, id, ['completed'], 20_000)
    const tried = target.requests.map((r) => JSON.parse(r.body).n as number)
    for (let i = 1; i < tried.length; i++) expect(tried[i]).toBeGreaterThanOrEqual(tried[i - 1]!)
    expect([...new Set(tried)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})
