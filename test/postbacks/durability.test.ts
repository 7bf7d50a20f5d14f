import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { startApp, tempDir, testEnv, type TestApp } from '../helpers/app.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { deleteKeys, storesUnderTest, uniquePrefix, type StoreKind } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

async function open(env: Record<string, string>): Promise<TestApp> {
  const app = own(await startApp(env))
  return app
}

async function receiverFor(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const receiver = own(await startReceiver(...args))
  return receiver
}

async function sharedDir(): Promise<string> {
  const dir = await tempDir()
  defer(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** What two instances in a row share: the data directory, or the Redis prefix. */
async function sharedStore(store: StoreKind): Promise<Record<string, string>> {
  if (store === 'sqlite') return { STORE: store, DATA_DIR: await sharedDir() }
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  return { STORE: store, REDIS_PREFIX: prefix }
}

const stores = await storesUnderTest()

describe.each(stores)('postbacks survive a restart (%s store)', (store) => {
  it('delivers after restart a postback whose attempt was cut off by shutdown', async () => {
    const shared = await sharedStore(store)
    const receiver = await receiverFor((_request, index) => (index === 0 ? { hang: true } : { status: 200 }))
    const first = await startApp(shared)
    const { body } = await first.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { n: 1 } } })
    await receiver.waitForRequests(1)
    await first.close()

    const second = await open(shared)
    const requests = await receiver.waitForRequests(2)
    expect(requests[1]!.headers['webhook-id']).toBe(body.queueId)
    expect(JSON.parse(requests[1]!.body)).toEqual({ n: 1 })
    const done = await postbackIn(second, body.queueId, ['completed'])
    expect(done.retries).toBe(0)
  })

  it('delivers after restart a postback that was waiting for its retry', async () => {
    const shared = await sharedStore(store)
    const receiver = await receiverFor((_request, index) => (index === 0 ? { status: 503 } : { status: 200 }))
    const first = await startApp({ ...shared, POSTBACK_BACKOFF_MS: '2000' })
    const { body } = await first.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: {} } })
    await waitFor(async () => (await first.api(`/api/queue/postback/${body.queueId}`)).body.attempts.length === 1)
    await first.close()
    expect(receiver.requests).toHaveLength(1)

    const second = await open({ ...shared, POSTBACK_BACKOFF_MS: '2000' })
    const pending = (await second.api(`/api/queue/postback/${body.queueId}`)).body
    expect(pending.status).toBe('pending')
    expect(pending.nextAttemptAt).not.toBeNull()
    await receiver.waitForRequests(2)
    await postbackIn(second, body.queueId, ['completed'])
  })

  it('deletes finished postbacks once POSTBACK_RETENTION_MS has passed', async () => {
    const receiver = await receiverFor()
    const app = await open({ STORE: store, POSTBACK_RETENTION_MS: '100' })
    const { body } = await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: {} } })
    await waitFor(async () => (await app.api(`/api/queue/postback/${body.queueId}`)).status === 404, {
      timeoutMs: 5000,
      what: 'the finished postback to be deleted',
    })
  })
})

describe('the SQLite store', () => {
  it('refuses a second instance on the same DATA_DIR', async () => {
    const dataDir = await sharedDir()
    await open({ DATA_DIR: dataDir })
    await expect(buildApp(loadConfig(testEnv({ DATA_DIR: dataDir })), { logger: false })).rejects.toThrow(
      /^DATA_DIR .* cannot be used: another running instance is using it$/,
    )
  })
})
