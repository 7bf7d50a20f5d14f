// kill -9 of the only instance: every durable message answered 200 is replayed after the restart,
// in order, until acked.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { inboxClient } from '../helpers/inbox.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

const stores = await storesUnderTest()

describe.each(stores)('%s store: kill -9 with durable messages stored', { timeout: 120_000 }, (store) => {
  it('replays every message answered 200 after the restart, in order, until acked', async () => {
    const dir = await tempDir('qsp-inbox-crash-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const prefix = uniquePrefix()
    defer(() => deleteKeys(prefix))
    const start = () => spawn(dir, serviceEnv({ STORE: store, DATA_DIR: `${dir}/data`, REDIS_URL, REDIS_PREFIX: prefix }))

    const first = start()
    const firstUrl = await first.listening()
    const ids: string[] = []
    // Dispatches keep coming until the kill: every one answered 200 must survive it.
    let killed = false
    const dispatching = (async () => {
      for (let i = 0; !killed; i++) {
        const response = await request(firstUrl, '/api/socket/dispatch', { body: { userId: 'ana', event: 'n', data: { i }, durable: true } }).catch(() => undefined)
        if (response?.status === 200) ids.push(response.body.messageId)
      }
    })()
    await waitFor(() => ids.length >= 30, { what: '30 messages stored' })
    first.child.kill('SIGKILL')
    killed = true
    expect(await first.exited()).toBe('SIGKILL')
    await dispatching

    const second = start()
    const secondUrl = await second.listening()
    const client = await inboxClient(secondUrl, 'ana', { acking: true })
    own(client.socket)
    await waitFor(() => client.received.length >= ids.length, { what: `${ids.length} messages replayed` })
    // Answered in order, stored in order; one more may have been stored while its answer was lost with the process.
    const replayed = client.received.map((m) => m.messageId)
    expect(replayed.slice(0, ids.length)).toEqual(ids)
    expect(replayed.length).toBeLessThanOrEqual(ids.length + 1)
    await waitFor(async () => (await request(secondUrl, '/api/socket/users/ana/inbox')).body.pending === 0, { what: 'all acked' })
  })
})
