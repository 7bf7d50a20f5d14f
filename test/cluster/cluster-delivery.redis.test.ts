// Delivery across instances on one Redis: destination limits and load windows hold cluster-wide,
// an instance that dies hands its postbacks on within POSTBACK_LOCK_MS plus the reaper's second,
// and an instance that cannot reach Redis at start says so in one line. (Redis only: the portable
// behaviour is in test/stores/contract.ts and test/postbacks/.)
import { describe, expect, it } from 'vitest'
import { request, startApp, tempDir, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver } from '../helpers/receiver.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { serverProcesses, serviceEnv, spawnServer } from '../helpers/server-process.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

async function cluster(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  const shared = { STORE: 'redis', REDIS_PREFIX: prefix, ...env }
  return [own(await startApp(shared)), own(await startApp(shared))]
}

/** A receiver that counts the requests it is answering at once. */
async function measuredReceiver(answer: () => { status: number }, delayMs: number) {
  const load = { open: 0, most: 0 }
  const target = own(
    await startReceiver(async () => {
      load.most = Math.max(load.most, ++load.open)
      await sleep(delayMs)
      load.open--
      return answer()
    }),
  )
  return { target, load }
}

const enqueue = async (apps: TestApp[], url: string, count: number, extra: object = {}) => {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const app = apps[i % apps.length]!
    ids.push((await app.api('/api/queue/postback', { body: { postbackUrl: url, payload: { i }, ...extra } })).body.queueId)
  }
  return ids
}

const clusterable = (await storesUnderTest()).includes('redis')

describe.runIf(clusterable)('delivery across two instances on one Redis', () => {
  it('never has more than the destination’s limit in flight, counted at the receiver', async () => {
    const [a, b] = await cluster({ POSTBACK_CONCURRENCY: '10', POSTBACK_HOST_CONCURRENCY: '3' })
    const { target, load } = await measuredReceiver(() => ({ status: 200 }), 30)
    // Due together, so both instances claim from the start.
    const together = { runAt: new Date(Date.now() + 1500).toISOString() }
    await enqueue([a, b], target.url(), 60, together)
    await target.waitForRequests(60, 30_000)
    expect(load.most).toBe(3)
    await waitFor(async () => (await a.api('/api/queue/stats')).body.counts.completed === 60, { what: '60 completed' })
  })

  it('shares one load window: a 429 seen by one instance slows the other too', async () => {
    let overloaded = true
    const { target, load } = await measuredReceiver(() => ({ status: overloaded ? 429 : 200 }), 30)
    const [a, b] = await cluster({
      POSTBACK_CONCURRENCY: '10',
      POSTBACK_HOST_CONCURRENCY: '4',
      POSTBACK_BACKOFF_MS: '10',
      POSTBACK_MAX_ATTEMPTS: '100',
      POSTBACK_MAX_ATTEMPTS_LIMIT: '100',
    })
    const destination = `http://127.0.0.1:${target.port}`
    const limitSeenBy = async (app: TestApp) =>
      ((await app.api('/api/queue/stats')).body.hosts as any[]).find((h) => h.destination === destination)?.limit
    await enqueue([a, b], target.url(), 12, { runAt: new Date(Date.now() + 1000).toISOString() })
    await waitFor(async () => (await limitSeenBy(a)) === 1 && (await limitSeenBy(b)) === 1, { what: 'both to see a window of 1' })

    // Squeezed: one request at a time across both instances.
    load.most = load.open
    await sleep(400)
    expect(load.most).toBeLessThanOrEqual(1)
    overloaded = false
    await waitFor(async () => (await a.api('/api/queue/stats')).body.counts.completed === 12, { what: '12 completed', timeoutMs: 20_000 })
  })

  it('hands a dead instance’s postback on within POSTBACK_LOCK_MS and the reaper’s second', async () => {
    const LOCK_MS = 2000
    const prefix = uniquePrefix()
    defer(() => deleteKeys(prefix))
    const target = own(await startReceiver((_request, index) => (index === 0 ? { hang: true } : { status: 200 })))
    const env = { STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix, POSTBACK_LOCK_MS: String(LOCK_MS) }
    const first = serverProcesses(defer)(await tempDir('qsp-takeover-'), serviceEnv(env))
    const firstUrl = await first.listening()
    const { body } = await request(firstUrl, '/api/queue/postback', { body: { postbackUrl: target.url(), payload: {} } })
    await target.waitForRequests(1)
    // The hanging attempt is first's (b starts after it began) and first keeps renewing its lease.
    const b = own(await startApp(env))
    await sleep(LOCK_MS)
    expect(target.requests).toHaveLength(1)

    first.child.kill('SIGKILL')
    const killedAt = Date.now()
    const [, second] = await target.waitForRequests(2, LOCK_MS + 10_000)
    const takeoverMs = second!.receivedAt - killedAt
    expect(second!.headers['webhook-id']).toBe(body.queueId)
    // The lease was renewed at most LOCK_MS / 3 before the kill, so it ran out at least 2/3 of
    // LOCK_MS after it; the reaper runs every second. The slack is for a loaded machine.
    expect(takeoverMs).toBeGreaterThanOrEqual((2 * LOCK_MS) / 3 - 100)
    expect(takeoverMs).toBeLessThanOrEqual(LOCK_MS + 1000 + 4000)
    const done = await postbackIn(b, body.queueId, ['completed'])
    expect(done.attempts).toHaveLength(1)
  })

  it('stops the start in one line naming REDIS_URL when Redis cannot be reached', async () => {
    const server = spawnServer(await tempDir('qsp-no-redis-'), serviceEnv({ STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }))
    expect(await server.exited(20_000)).toBe(1)
    const lines = server.stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Redis at REDIS_URL=redis:\/\/127\.0\.0\.1:1 is unreachable \(.*ECONNREFUSED.*\): start Redis or set REDIS_URL$/)
  })
})
