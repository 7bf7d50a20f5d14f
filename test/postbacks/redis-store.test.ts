// What only the Redis store has to get right: the gap between its own write and BullMQ's.
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { newPostbackId } from '../../src/postbacks/new-postback.js'
import { redisKeys } from '../../src/postbacks/stores/redis/keys.js'
import { hashFields } from '../../src/postbacks/stores/redis/records.js'
import { defineScripts } from '../../src/postbacks/stores/redis/scripts.js'
import { startApp } from '../helpers/app.js'
import { startReceiver } from '../helpers/receiver.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

const redisAvailable = (await storesUnderTest()).includes('redis')

describe.runIf(redisAvailable)('the Redis store', () => {
  it('delivers a postback whose BullMQ job was never added (a crash between the two writes)', async () => {
    const prefix = uniquePrefix()
    defer(() => deleteKeys(prefix))
    const receiver = own(await startReceiver())

    // Only the first half of an enqueue: the postback is stored, no job exists for it.
    const redis = defineScripts(new Redis(REDIS_URL))
    defer(() => redis.disconnect())
    const keys = redisKeys(prefix)
    const createdAt = Date.now() - 10_000
    const id = newPostbackId(createdAt)
    const postback = {
      id,
      url: receiver.url(),
      destination: `http://127.0.0.1:${receiver.port}`,
      method: 'POST' as const,
      headers: {},
      body: '{"orphan":true}',
      maxAttempts: 3,
      timeoutMs: 2000,
      createdAt,
      runAt: createdAt,
    }
    await redis.qspAdd(keys.postback(id), keys.all, keys.byStatus('pending'), keys.unconfirmed, keys.idempotency(''), id, createdAt, '0', JSON.stringify(hashFields(postback)))

    own(await startApp({ STORE: 'redis', REDIS_PREFIX: prefix, POSTBACK_RETENTION_MS: '1000' }))
    const [request] = await receiver.waitForRequests(1, 10_000)
    expect(request!.headers['webhook-id']).toBe(id)
    expect(JSON.parse(request!.body)).toEqual({ orphan: true })
    expect(await redis.zcard(keys.unconfirmed)).toBe(0)
  })

  it('forgets an idempotency key together with its postback when retention ends', async () => {
    const receiver = own(await startReceiver())
    const app = own(await startApp({ STORE: 'redis', POSTBACK_RETENTION_MS: '500' }))
    const body = { postbackUrl: receiver.url(), payload: {}, idempotencyKey: 'once' }
    const first = (await app.api('/api/queue/postback', { body })).body.queueId
    await receiver.waitForRequests(1)
    await waitFor(async () => (await app.api(`/api/queue/postback/${first}`)).status === 404, { what: 'retention' })
    const again = (await app.api('/api/queue/postback', { body })).body.queueId
    expect(again).not.toBe(first)
  })
})
