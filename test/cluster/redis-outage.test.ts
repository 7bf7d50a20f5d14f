// Redis stops and comes back during traffic: the service says so honestly and loses nothing.
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { request, startApp, tempDir, type TestApp } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { storesUnderTest } from '../helpers/redis.js'
import { privateRedis } from '../helpers/private-redis.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawnServer = serverProcesses(defer)

/** /health of a service in another process, or 'no answer' when it does not answer in time. */
async function healthOf(url: string): Promise<number | 'no answer'> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).status
  } catch {
    return 'no answer'
  }
}

const clusterable = (await storesUnderTest()).includes('redis')

describe.runIf(clusterable)('Redis going away', () => {
  it('answers 503 and degraded health while Redis is down, then resumes and delivers everything answered 200', async () => {
    const redis = await privateRedis(defer)
    const target: Receiver = own(await startReceiver())
    const app: TestApp = own(await startApp({ STORE: 'redis', REDIS_URL: redis.url, REDIS_PREFIX: 'outage' }))

    const accepted: string[] = []
    const statuses = new Map<number, number>()
    let sending = true
    const traffic = (async () => {
      for (let i = 0; sending && i < 5000; i++) {
        const response = await app.api('/api/queue/postback', { body: { postbackUrl: target.url(), payload: { i } } })
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        if (response.status === 200) accepted.push(response.body.queueId)
        else expect(response.body).toEqual({ error: 'STORE_UNAVAILABLE', message: expect.any(String) })
        await sleep(5)
      }
    })()

    await waitFor(() => accepted.length >= 20, { what: 'traffic to start' })
    await redis.stop()
    const down = await waitFor(async () => {
      const health = await request(app.url, '/health', { token: null })
      return health.status === 503 && health
    })
    expect(down.body.status).toBe('degraded')
    // Reads too: never a 404 or empty counts for what Redis holds but cannot say.
    const metrics = await app.api('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.body).toMatch(/^qsp_store_up 0$/m)
    expect(metrics.body).not.toMatch(/^qsp_postbacks\{/m)
    const needRedis = [
      '/api/socket/dispatch',
      `/api/queue/postback/${accepted[0]}`,
      '/api/queue/postback',
      '/api/queue/stats',
      '/api/socket/sockets/stats',
    ]
    for (const path of needRedis) {
      const response = await app.api(path, path.endsWith('dispatch') ? { body: { channel: 'c', event: 'e' } } : {})
      expect(response.status, path).toBe(503)
      expect(response.body.error, path).toBe('STORE_UNAVAILABLE')
    }
    await waitFor(() => (statuses.get(503) ?? 0) >= 5, { what: 'enqueues to be refused' })

    await redis.start()
    await waitFor(async () => (await request(app.url, '/health', { token: null })).status === 200, {
      timeoutMs: 15_000,
      what: 'health to recover',
    })
    const before = accepted.length
    await waitFor(() => accepted.length >= before + 20, { what: 'enqueues to succeed again' })
    sending = false
    await traffic

    expect([...statuses.keys()].sort()).toEqual([200, 503])
    const delivered = () => new Set(target.requests.map((r) => String(r.headers['webhook-id'])))
    await waitFor(() => accepted.every((id) => delivered().has(id)), {
      timeoutMs: 30_000,
      what: 'every accepted postback to be delivered',
    })
  })

  it('keeps serving while Redis is down after a delivery ends, and records that delivery once Redis is back', async () => {
    // The attempt ends while Redis is unreachable, so its record cannot be written: the service
    // must try again later, not at once and forever (which starved the process of its event loop).
    const redis = await privateRedis(defer)
    let release = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    const target = own(await startReceiver(async () => (await released, { status: 200 })))
    const server = spawnServer(await tempDir('qsp-outage-'), serviceEnv({ STORE: 'redis', REDIS_URL: redis.url }))
    const url = await server.listening()

    const queued = await request(url, '/api/queue/postback', { body: { postbackUrl: target.url(), payload: { n: 1 } } })
    expect(queued.status).toBe(200)
    await target.waitForRequests(1)
    await redis.stop()
    await waitFor(async () => (await healthOf(url)) === 503, { what: 'the service to see Redis gone' })
    const refused = await request(url, '/api/queue/postback', { body: { postbackUrl: target.url(), payload: { n: 2 } } })
    expect(refused.body.error).toBe('STORE_UNAVAILABLE')
    // A known state is logged in one line, without a stack trace.
    const logged = await waitFor(() => server.stdout().split('\n').find((line) => line.includes('"code":"STORE_UNAVAILABLE"')))
    expect(JSON.parse(logged)).toMatchObject({ level: 50, msg: expect.stringMatching(/^request failed: Redis is unreachable/) })
    expect(logged).not.toContain('stack')
    release()

    // Each of these would go unanswered while the service retried the record without pause.
    for (let i = 0; i < 5; i++) {
      await sleep(300)
      expect(await healthOf(url), server.stderr()).toBe(503)
    }

    await redis.start()
    const postback = await waitFor(
      async () => {
        const response = await request(url, `/api/queue/postback/${queued.body.queueId}`)
        return response.status === 200 && response.body.status === 'completed' && response.body
      },
      { timeoutMs: 20_000, what: 'the attempt made during the outage to be recorded' },
    )
    expect(postback.attempts).toHaveLength(1)
    expect(target.requests).toHaveLength(1)
  })
})
