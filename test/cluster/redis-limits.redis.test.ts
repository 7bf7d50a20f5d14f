// A Redis that cannot keep what it is given: one without persistence that restarts (the data is
// gone, and the service says so loudly), and one at maxmemory (507 STORE_FULL, nothing half
// stored). Each runs on a redis-server of the test's own. (Redis only: a full disk under SQLite is
// test/postbacks/disk-full.test.ts.)
import { describe, expect, it } from 'vitest'
import { startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { FORGETFUL, privateRedis } from '../helpers/private-redis.js'
import { storesUnderTest } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

/** An app that keeps its log lines (warn and above) as parsed objects. */
async function loggedApp(env: Record<string, string>) {
  const lines: { level: number; msg: string }[] = []
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) }
  const app = own(await startApp({ STORE: 'redis', REDIS_PREFIX: 'limits', ...env }, { logger: { level: 'warn', stream } }))
  return { app, lines }
}

describe.runIf((await storesUnderTest()).includes('redis'))('a Redis that cannot keep what it is given', () => {
  it('warns at start when Redis keeps nothing on disk, and after it restarts empty says the data is lost: error log, /health, metric', async () => {
    const redis = await privateRedis(defer, FORGETFUL)
    const { app, lines } = await loggedApp({ REDIS_URL: redis.url })
    expect(lines.some((l) => l.level === 40 && /Redis keeps nothing on disk/.test(l.msg))).toBe(true)
    const queued = await app.api('/api/queue/postback', { body: { postbackUrl: 'http://127.0.0.1:9/x', payload: {}, delayMs: 60_000 } })
    expect(queued.status).toBe(200)

    await redis.restart()
    const health = await waitFor(
      async () => {
        const answer = await app.api('/health', { token: null })
        return answer.body.problems?.some((p: { code: string }) => p.code === 'REDIS_DATA_LOST') && answer
      },
      { what: 'REDIS_DATA_LOST in /health', timeoutMs: 20_000 },
    )
    // It still serves (200), but it is not ok.
    expect(health.status).toBe(200)
    expect(health.body.status).toBe('degraded')
    expect(lines.some((l) => l.level === 50 && /Redis lost its data/.test(l.msg))).toBe(true)
    expect((await app.api('/metrics')).body).toContain('qsp_store_problem{code="REDIS_DATA_LOST"} 1')
    expect((await app.api(`/api/queue/postback/${queued.body.queueId}`)).status).toBe(404)
  })

  it('answers 507 STORE_FULL at maxmemory, stores nothing half, and /health lists it', async () => {
    const redis = await privateRedis(defer, ['--save', '', '--appendonly', 'no', '--maxmemory', '3mb', '--maxmemory-policy', 'noeviction'])
    const { app } = await loggedApp({ REDIS_URL: redis.url, BODY_LIMIT_BYTES: String(200 * 1024) })
    const big = { text: 'x'.repeat(100 * 1024) }
    let full
    for (let i = 0; i < 200 && !full; i++) {
      const answer = await app.api('/api/queue/postback', { body: { postbackUrl: 'http://127.0.0.1:9/x', payload: big, delayMs: 60_000 } })
      if (answer.status === 507) full = answer
      else expect(answer.status).toBe(200)
    }
    expect(full?.body).toEqual({ error: 'STORE_FULL', message: expect.stringMatching(/out of memory/) })
    const health = await app.api('/health', { token: null })
    expect(health.status).toBe(503)
    expect(health.body.problems.map((p: { code: string }) => p.code)).toContain('STORE_FULL')
    // Every postback the list shows was stored whole: its detail reads back.
    const listed = (await app.api('/api/queue/postback?limit=1000')).body as { id: string }[]
    for (const { id } of listed.slice(0, 5)) expect((await app.api(`/api/queue/postback/${id}`)).body.payload).toEqual(big)
  })
})
