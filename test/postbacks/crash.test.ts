// kill -9 in the middle of deliveries: every postback answered 200 is delivered at least once, and
// only postbacks whose delivery had started before the kill are delivered twice.
//
// How many that is cannot be bounded by POSTBACK_CONCURRENCY: an attempt that finished just before
// the kill may not have been recorded yet (finished attempts are written in batches), so it is
// delivered again too. What can be delivered twice is what the receiver saw before the kill and
// the store had not recorded; the test asserts exactly that, and holds the last deliveries open
// until the kill so that there always are some. Only the first process signs its deliveries, so
// the receiver tells the two processes apart by construction, whenever their requests arrive.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { serverProcesses, serviceEnv, sharedStoreEnv } from '../helpers/server-process.js'
import { waitFor } from '../helpers/wait.js'

const CONCURRENCY = 5
/** Deliveries of the first process answered before the receiver starts holding them open. */
const ANSWERED = 12
const FIRST_PROCESS_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

describe.each(await storesUnderTest())('kill -9 in the middle of deliveries (%s store)', { timeout: 120_000 }, (store) => {
  it('delivers every postback that was answered 200, duplicating only those under way at the kill', async () => {
    const dir = await tempDir('qsp-crash-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const fromFirst = (r: { headers: Record<string, unknown> }) => r.headers['webhook-signature'] !== undefined
    // The first process's first deliveries are answered; its later ones hang, so they are under
    // way when it dies. The second process's are all answered.
    const receiver = own(
      await startReceiver((received, index) => (fromFirst(received) && index >= ANSWERED ? { hang: true } : { status: 200, delayMs: 50 })),
    )
    const shared = sharedStoreEnv(store, dir, defer)
    const start = (env: Record<string, string> = {}) =>
      spawn(dir, serviceEnv({ ...shared, POSTBACK_CONCURRENCY: String(CONCURRENCY), POSTBACK_BACKOFF_MS: '100', ...env }))
    const first = start({ POSTBACK_SIGNING_SECRET: FIRST_PROCESS_SECRET })
    const firstUrl = await first.listening()

    const accepted: string[] = []
    for (let i = 0; i < 40; i++) {
      const response = await request(firstUrl, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { i } } })
      expect(response.status).toBe(200)
      accepted.push(response.body.queueId)
    }
    await receiver.waitForRequests(ANSWERED + 1, 60_000)
    first.child.kill('SIGKILL')
    expect(await first.exited()).toBe('SIGKILL')

    const second = start()
    const secondUrl = await second.listening()
    /** For each postback, which process delivered it, in order: 'first' or 'second'. */
    const deliveries = () => {
      const byId = new Map<string, string[]>()
      for (const r of receiver.requests) {
        const id = String(r.headers['webhook-id'])
        byId.set(id, [...(byId.get(id) ?? []), fromFirst(r) ? 'first' : 'second'])
      }
      return byId
    }
    await waitFor(() => accepted.every((id) => deliveries().has(id)), { timeoutMs: 60_000, what: 'every postback delivered' })
    await waitFor(
      async () => (await request(secondUrl, '/api/queue/stats')).body.counts.completed === accepted.length,
      { timeoutMs: 60_000, what: 'every postback completed' },
    )

    const duplicated = [...deliveries()].filter(([, by]) => by.length > 1)
    // Once by the killed process (its delivery had started), once after the restart.
    for (const [id, by] of duplicated) expect(by, id).toEqual(['first', 'second'])
    // The deliveries held open at the kill were never recorded, so they are among the repeated.
    const hanging = receiver.requests.filter((r, index) => fromFirst(r) && index >= ANSWERED).map((r) => String(r.headers['webhook-id']))
    expect(hanging.length).toBeGreaterThan(0)
    for (const id of hanging) expect(duplicated.map(([d]) => d)).toContain(id)
    const listed = (await request(secondUrl, '/api/queue/postback?limit=1000')).body
    expect(listed.map((p: any) => p.id).sort()).toEqual([...accepted].sort())
    expect(listed.every((p: any) => p.status === 'completed')).toBe(true)
  })
})
