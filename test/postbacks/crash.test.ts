import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { TOKEN, request, tempDir } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { spawnServer, type ServerProcess } from '../helpers/server-process.js'
import { waitFor } from '../helpers/wait.js'

const CONCURRENCY = 5
let receiver: Receiver
let dir: string
const servers: ServerProcess[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL')
  await receiver?.close()
  await rm(dir, { recursive: true, force: true })
})

function start(): ServerProcess {
  const server = spawnServer(dir, {
    API_TOKEN: TOKEN,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: `${dir}/data`,
    POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true',
    POSTBACK_CONCURRENCY: String(CONCURRENCY),
    POSTBACK_BACKOFF_MS: '100',
  })
  servers.push(server)
  return server
}

describe('kill -9 in the middle of deliveries', () => {
  it('delivers every postback that was answered 200, duplicating only those in flight', async () => {
    dir = await tempDir('qsp-crash-')
    receiver = await startReceiver(() => ({ status: 200, delayMs: 100 }))
    const first = start()
    const firstUrl = await first.listening()

    const accepted: string[] = []
    for (let i = 0; i < 40; i++) {
      const response = await request(firstUrl, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { i } } })
      expect(response.status).toBe(200)
      accepted.push(response.body.queueId)
    }
    await receiver.waitForRequests(12)
    first.child.kill('SIGKILL')
    expect(await first.exited()).toBe('SIGKILL')
    const killedAt = Date.now()

    const second = start()
    const secondUrl = await second.listening()
    const byId = () => {
      const map = new Map<string, number[]>()
      for (const r of receiver.requests) {
        const id = String(r.headers['webhook-id'])
        map.set(id, [...(map.get(id) ?? []), r.receivedAt])
      }
      return map
    }
    await waitFor(() => accepted.every((id) => byId().has(id)), { timeoutMs: 30_000, what: 'every postback delivered' })
    await waitFor(
      async () => {
        const stats = (await request(secondUrl, '/api/queue/stats')).body
        return stats.counts.completed === accepted.length && stats
      },
      { timeoutMs: 30_000, what: 'every postback completed' },
    )

    const duplicated = [...byId()].filter(([, times]) => times.length > 1)
    // The kill cut some deliveries short (so the test shows recovery), never more than were in flight.
    expect(duplicated.length).toBeGreaterThan(0)
    expect(duplicated.length).toBeLessThanOrEqual(CONCURRENCY)
    for (const [, times] of duplicated) expect(times[0]).toBeLessThan(killedAt)
    const listed = (await request(secondUrl, '/api/queue/postback?limit=1000')).body
    expect(listed.map((p: any) => p.id).sort()).toEqual([...accepted].sort())
    expect(listed.every((p: any) => p.status === 'completed')).toBe(true)
  })
})
