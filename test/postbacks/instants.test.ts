// The instants a request may name, and stored times read back, on both stores: every accepted
// date-time lies in a documented range, and no stored time makes a read fail.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { redisKeys } from '../../src/stores/redis/keys.js'
import { startApp, tempDir, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { REDIS_URL, storesUnderTest, type StoreKind } from '../helpers/redis.js'
import { sharedStoreEnv } from '../helpers/server-process.js'

const { own, defer } = cleanupAfterEach()

/** 9999-12-31T23:59:59-00:01 is already in year 10000 in UTC. */
const AFTER_9999 = '9999-12-31T23:59:59-00:01'
const RANGE = '0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z'
const DAY_MS = 86_400_000

const enqueue = (app: TestApp, body: Record<string, unknown>) =>
  app.api('/api/queue/postback', { body: { postbackUrl: 'https://example.com/hook', payload: {}, ...body } })

/** Writes `next_attempt_at` of postback `id` straight into the store, as an older version may have. */
async function storeNextAttemptAt(store: StoreKind, shared: Record<string, string>, id: string, at: number): Promise<void> {
  if (store === 'sqlite') {
    const db = new Database(join(shared.DATA_DIR!, 'postbacks.sqlite'))
    db.prepare('UPDATE postbacks SET next_attempt_at = ? WHERE id = ?').run(at, id)
    db.close()
    return
  }
  const keys = redisKeys(shared.REDIS_PREFIX!)
  const redis = new Redis(REDIS_URL)
  await redis.hset(keys.postback(id), 'next_attempt_at', String(at))
  await redis.zadd(keys.due('https://example.com:443'), at, id)
  redis.disconnect()
}

describe.each(await storesUnderTest())('%s store', (store) => {
  const start = async () => own(await startApp({ STORE: store }))

  it('refuses a runAt further ahead than delayMs may go (365 days), naming the field and the bound', async () => {
    const app = await start()
    for (const runAt of [AFTER_9999, new Date(Date.now() + 366 * DAY_MS).toISOString()]) {
      const refused = await enqueue(app, { runAt })
      expect(refused.status, runAt).toBe(400)
      expect(refused.body).toEqual({ error: 'VALIDATION_ERROR', message: expect.stringMatching(/^runAt must be at most 31536000000 ms \(365 days\) from now/) })
    }
    const runAt = new Date(Date.now() + 364 * DAY_MS).toISOString()
    const accepted = await enqueue(app, { runAt })
    expect(accepted.status).toBe(200)
    expect((await app.api(`/api/queue/postback/${accepted.body.queueId}`)).body.nextAttemptAt).toBe(runAt)
  })

  it('refuses createdFrom and createdTo outside years 0000–9999 in UTC, in the list and the bulk retry', async () => {
    const app = await start()
    for (const [field, value] of [['createdFrom', AFTER_9999], ['createdTo', '0000-01-01T00:00:00+00:01']] as const) {
      const listed = await app.api(`/api/queue/postback?${field}=${encodeURIComponent(value)}`)
      expect(listed.status, `${field}=${value}`).toBe(400)
      expect(listed.body).toEqual({ error: 'VALIDATION_ERROR', message: `${field} must be within ${RANGE}` })
      const retried = await app.api('/api/queue/postback/retry', { body: { [field]: value } })
      expect(retried.status).toBe(400)
      expect(retried.body.message).toBe(`${field} must be within ${RANGE}`)
    }
  })

  it('filters by creation time anywhere in the range, its ends included', async () => {
    const app = await start()
    const { queueId } = (await enqueue(app, { delayMs: 60_000 })).body
    const ids = async (query: string) => {
      const response = await app.api(`/api/queue/postback?${query}`)
      expect(response.status, query).toBe(200)
      return response.body.map((p: { id: string }) => p.id)
    }
    expect(await ids('createdFrom=0000-01-01T00:00:00Z')).toEqual([queueId])
    expect(await ids('createdTo=9999-12-31T23:59:59.999Z')).toEqual([queueId])
    expect(await ids('createdFrom=2500-01-01T00:00:00Z')).toEqual([])
    expect(await ids('createdTo=1969-12-31T23:59:59Z')).toEqual([])
  })

  it('reads, lists and cancels a postback whose stored next attempt lies after year 9999', async () => {
    const dir = await tempDir('qsp-instants-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const shared = sharedStoreEnv(store, dir, defer)
    const first = await startApp(shared)
    const { queueId } = (await enqueue(first, { delayMs: 60_000 })).body
    await first.close()
    await storeNextAttemptAt(store, shared, queueId, Date.parse(AFTER_9999))

    const app = own(await startApp(shared))
    const read = await app.api(`/api/queue/postback/${queueId}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ status: 'pending', nextAttemptAt: '9999-12-31T23:59:59.999Z' })
    const listed = await app.api('/api/queue/postback')
    expect(listed.status).toBe(200)
    expect(listed.body.map((p: { id: string }) => p.id)).toEqual([queueId])
    expect((await app.api(`/api/queue/postback/${queueId}`, { method: 'DELETE' })).body).toMatchObject({ status: 'canceled' })
  })
})
