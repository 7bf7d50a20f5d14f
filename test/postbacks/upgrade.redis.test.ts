// A Redis written by the earlier version of the service, which scheduled postbacks as BullMQ jobs:
// its pending postbacks are delivered after the upgrade, and the old queue's keys are removed.
// (Redis only: the SQLite file upgrades through its migrations, tested with every start.)
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver } from '../helpers/receiver.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

describe.runIf((await storesUnderTest()).includes('redis'))('upgrading a Redis from the BullMQ-based version', () => {
  it('delivers the postbacks it had pending and processing, and deletes the old queue’s keys', async () => {
    const prefix = uniquePrefix()
    defer(() => deleteKeys(prefix))
    const receiver = own(await startReceiver())
    const redis = new Redis(REDIS_URL)
    defer(() => redis.disconnect())
    const createdAt = Date.now() - 60_000
    const ids = [`${createdAt}-aaaaaaaaa`, `${createdAt + 1}-bbbbbbbbb`]
    // The hash as the earlier version wrote it: no timeout_given, ordering or callback fields.
    for (const [i, id] of ids.entries()) {
      await redis.hset(`${prefix}:pb:${id}`, {
        id, url: receiver.url(), dest: `http://127.0.0.1:${receiver.port}`, method: 'POST', headers: '{}',
        body: JSON.stringify({ i }), status: i === 0 ? 'pending' : 'processing', attempts_made: '0', max_attempts: '3',
        timeout_ms: '2000', created_at: String(createdAt), updated_at: String(createdAt), next_attempt_at: String(createdAt),
        finished_at: '', last_error: '', last_status_code: '', idem: '', notify: '',
      })
      await redis.zadd(`${prefix}:idx:all`, 0, id)
      await redis.zadd(`${prefix}:idx:${i === 0 ? 'pending' : 'processing'}`, 0, id)
    }
    await redis.set(`${prefix}:postbacks:meta`, 'bullmq')
    await redis.zadd(`${prefix}:postbacks:delayed`, 1, ids[0]!)

    const app = own(await startApp({ STORE: 'redis', REDIS_PREFIX: prefix }))
    for (const id of ids) expect((await postbackIn(app, id, ['completed'])).attempts).toHaveLength(1)
    const delivered = (await receiver.waitForRequests(2)).map((r) => JSON.parse(r.body).i).sort()
    expect(delivered).toEqual([0, 1])
    await waitFor(async () => (await redis.exists(`${prefix}:postbacks:meta`, `${prefix}:postbacks:delayed`)) === 0, { what: 'old keys gone' })
  })
})
