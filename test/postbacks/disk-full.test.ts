// A full disk under the embedded store: 507 STORE_FULL (never a 500), /health lists it, and the
// service keeps answering reads. DATA_DIR is a small tmpfs of the test's own, which takes root to
// mount: outside CI a non-root run says it leaves this out; in CI it must run.
import { execFileSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { startApp, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'

const { defer, own } = cleanupAfterEach()

const isRoot = process.getuid?.() === 0
if (!isRoot && process.env.CI === 'true') throw new Error('the full-disk test mounts a tmpfs and needs root in CI')
if (!isRoot) console.warn('not root: the full-disk test (a tmpfs DATA_DIR) is not run')

describe.runIf(isRoot)('a full disk under STORE=sqlite', () => {
  it('answers 507 STORE_FULL, lists it in /health, and still answers reads', async () => {
    const dir = await tempDir('qsp-full-')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])
    defer(async () => {
      execFileSync('umount', ['-l', dir])
      await rm(dir, { recursive: true, force: true })
    })
    const app = own(await startApp({ DATA_DIR: dir, BODY_LIMIT_BYTES: String(200 * 1024) }))
    const big = { text: 'x'.repeat(60 * 1024) }
    const queued: string[] = []
    let full
    for (let i = 0; i < 100 && !full; i++) {
      const answer = await app.api('/api/queue/postback', { body: { postbackUrl: 'http://127.0.0.1:9/x', payload: big, delayMs: 60_000 } })
      if (answer.status === 507) full = answer
      else {
        expect(answer.status).toBe(200)
        queued.push(answer.body.queueId)
      }
    }
    expect(full?.body).toEqual({ error: 'STORE_FULL', message: expect.stringMatching(/disk .* is full/) })
    expect(queued.length).toBeGreaterThan(0)
    const health = await app.api('/health', { token: null })
    expect(health.status).toBe(503)
    expect(health.body).toMatchObject({ status: 'degraded', problems: [{ code: 'STORE_FULL', message: expect.any(String), since: expect.any(String) }] })
    // What was answered 200 is there, whole.
    expect((await app.api(`/api/queue/postback/${queued[0]}`)).body.payload).toEqual(big)
    expect((await app.api('/api/queue/stats')).status).toBe(200)
  })
})
