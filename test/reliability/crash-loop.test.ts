// kill -9 several times in a row, each time while postbacks are being enqueued and delivered:
// every postback answered 200 is delivered at least once, and none is lost or left behind.
//
// Each kill waits for progress, not for a clock: a round ends once it has accepted a random number
// of new postbacks and delivered at least one. So every kill lands mid-enqueue and mid-delivery on
// a machine of any speed, and the work stays small enough to finish well within the timeouts.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { serverProcesses, serviceEnv, sharedStoreEnv } from '../helpers/server-process.js'
import { sleep, waitFor } from '../helpers/wait.js'

const KILLS = 3
const CLIENTS = 5
const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

/** Accepted postbacks a round waits for before its kill: 20 to 80 more. */
const roundSize = () => 20 + Math.floor(Math.random() * 61)

// Four starts of a process and the deliveries: generous for a loaded 2-core machine.
describe.each(await storesUnderTest())('repeated kill -9 under load (%s store)', { timeout: 240_000 }, (store) => {
  it('delivers every accepted postback and leaves none pending or processing', async () => {
    const dir = await tempDir('qsp-crash-loop-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const receiver = own(await startReceiver(() => ({ status: 200, delayMs: 15 })))
    const shared = sharedStoreEnv(store, dir, defer)
    const start = () =>
      spawn(dir, serviceEnv({ ...shared, POSTBACK_CONCURRENCY: '8', POSTBACK_HOST_CONCURRENCY: '8', POSTBACK_BACKOFF_MS: '50' }))
    const accepted: string[] = []
    let url = ''
    let sending = true
    // The clients enqueue without pause while a server is up; a request that meets a dead server fails.
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; sending; i++) {
        if (!url) {
          await sleep(20)
          continue
        }
        try {
          const response = await request(url, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { client, i } } })
          if (response.status === 200) accepted.push(response.body.queueId)
        } catch {
          await sleep(20) // connection refused or reset: the server is down
        }
      }
    })

    for (let kill = 0; kill < KILLS; kill++) {
      const server = start()
      const target = accepted.length + roundSize()
      const deliveredBefore = receiver.requests.length
      url = await server.listening(60_000)
      await waitFor(() => accepted.length >= target && receiver.requests.length > deliveredBefore, {
        timeoutMs: 60_000,
        what: `round ${kill + 1}: enqueues and deliveries`,
      })
      url = ''
      server.child.kill('SIGKILL')
      expect(await server.exited()).toBe('SIGKILL')
    }
    const last = start()
    const lastTarget = accepted.length + roundSize()
    url = await last.listening(60_000)
    await waitFor(() => accepted.length >= lastTarget, { timeoutMs: 60_000, what: 'enqueues after the last restart' })
    sending = false
    await Promise.all(clients)
    const finalUrl = url
    expect(accepted.length).toBeGreaterThanOrEqual((KILLS + 1) * 20)

    const delivered = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])))
    await waitFor(() => accepted.every((id) => delivered().has(id)), { timeoutMs: 60_000, what: 'every accepted postback delivered' })
    const stats = await waitFor(
      async () => {
        const current = (await request(finalUrl, '/api/queue/stats')).body
        return current.counts.pending === 0 && current.counts.processing === 0 && current
      },
      { timeoutMs: 30_000, what: 'nothing left pending or processing' },
    )
    // A postback committed just before a kill is delivered even though its answer never arrived.
    expect(stats.counts.completed).toBeGreaterThanOrEqual(new Set(accepted).size)
    expect(stats.counts.failed).toBe(0)
  })
})
