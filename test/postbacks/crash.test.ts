import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { waitFor } from '../helpers/wait.js'

const CONCURRENCY = 5
const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

describe('kill -9 in the middle of deliveries', () => {
  it('delivers every postback that was answered 200, duplicating only those in flight', async () => {
    const dir = await tempDir('qsp-crash-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const receiver = own(await startReceiver(() => ({ status: 200, delayMs: 100 })))
    const start = () =>
      spawn(dir, serviceEnv({ DATA_DIR: `${dir}/data`, POSTBACK_CONCURRENCY: String(CONCURRENCY), POSTBACK_BACKOFF_MS: '100' }))
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
