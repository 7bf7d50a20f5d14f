// kill -9 at random moments, several times in a row, during sustained enqueue and delivery:
// every postback answered 200 is delivered at least once, and none is lost or left behind.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { sleep, waitFor } from '../helpers/wait.js'

const KILLS = 3
const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

describe('repeated kill -9 under load', () => {
  it('delivers every accepted postback and leaves none pending or processing', async () => {
    const dir = await tempDir('qsp-crash-loop-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const receiver = own(await startReceiver(() => ({ status: 200, delayMs: 15 })))
    const start = () => spawn(dir, serviceEnv({ DATA_DIR: `${dir}/data`, POSTBACK_CONCURRENCY: '8', POSTBACK_BACKOFF_MS: '50' }))
    const accepted: string[] = []
    let url = ''
    let sending = true
    // Five clients enqueue without pause; a request that meets a dead server simply fails.
    const clients = Array.from({ length: 5 }, async (_, client) => {
      for (let i = 0; sending && i < 100_000; i++) {
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
      url = await server.listening()
      await sleep(300 + Math.random() * 900)
      url = ''
      server.child.kill('SIGKILL')
      expect(await server.exited()).toBe('SIGKILL')
    }
    const last = start()
    url = await last.listening()
    await sleep(500)
    sending = false
    await Promise.all(clients)
    expect(accepted.length).toBeGreaterThan(50)

    const delivered = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])))
    await waitFor(() => accepted.every((id) => delivered().has(id)), { timeoutMs: 60_000, what: 'every accepted postback delivered' })
    const stats = await waitFor(
      async () => {
        const current = (await request(url, '/api/queue/stats')).body
        return current.counts.pending === 0 && current.counts.processing === 0 && current
      },
      { timeoutMs: 30_000, what: 'nothing left pending or processing' },
    )
    // A postback committed just before a kill is delivered even though its answer never arrived.
    expect(stats.counts.completed).toBeGreaterThanOrEqual(new Set(accepted).size)
    expect(stats.counts.failed).toBe(0)
  })
})
