// A durable-inbox replay to sockets that do not read: the server sends a page, then waits for the
// socket to take it, so a client that stops reading costs the server no more than a page.
import { readFile, rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { inboxClient } from '../helpers/inbox.js'
import { storesUnderTest } from '../helpers/redis.js'
import { serverProcesses, serviceEnv, sharedStoreEnv } from '../helpers/server-process.js'
import { stalledSocket } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

const stores = await storesUnderTest()

const MESSAGES = 1000
const STALLED = 16
const MB = 1024 * 1024

/** The resident memory of a process, in bytes (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024
}

describe.each(stores)('%s store: a replay to sockets that stop reading', { timeout: 180_000 }, (store) => {
  it('grows the server by less than 100 MB; /health answers and a reading client gets its whole inbox in order', async () => {
    const dir = await tempDir('qsp-back-pressure-')
    defer(() => rm(dir, { recursive: true, force: true }))
    // Batches of 100 messages of 45 KB fill the inbox in ten calls.
    const server = spawn(dir, serviceEnv({ ...sharedStoreEnv(store, dir, defer), BODY_LIMIT_BYTES: String(8 * MB) }))
    const url = await server.listening()
    const pid = server.child.pid!
    const { token } = (await request(url, '/api/socket/token', { body: { userId: 'ana' } })).body
    const padding = 'x'.repeat(45 * 1024)
    const ids: string[] = []
    for (let batch = 0; batch < MESSAGES / 100; batch++) {
      const items = Array.from({ length: 100 }, (_, i) => ({ userId: 'ana', event: 'n', data: { i: batch * 100 + i, padding }, durable: true }))
      const response = await request(url, '/api/socket/dispatch/batch', { body: { items } })
      expect(response.status).toBe(200)
      ids.push(...response.body.results.map((result: { messageId: string }) => result.messageId))
    }
    expect((await request(url, '/api/socket/users/ana/inbox')).body.pending).toBe(MESSAGES)

    const before = await rssOf(pid)
    let peak = before
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssOf(pid))
        await sleep(50)
      }
    })()
    const stalled = await Promise.all(Array.from({ length: STALLED }, () => stalledSocket(url, token)))
    defer(() => stalled.forEach((ws) => ws.terminate()))

    expect((await request(url, '/api/socket/sockets/stats?userId=ana')).body.totalConnections).toBe(STALLED)
    expect((await request(url, '/health', { token: null })).status).toBe(200)
    const reader = await inboxClient(url, 'ana', { token })
    own(reader.socket)
    await waitFor(() => reader.received.length >= MESSAGES, { timeoutMs: 120_000, what: `${MESSAGES} messages replayed to the reading client` })
    expect(reader.received.map((message) => message.messageId)).toEqual(ids)
    expect((await request(url, '/health', { token: null })).status).toBe(200)
    sampling = false
    await sampler

    expect((peak - before) / MB).toBeLessThan(100)
  })
})
