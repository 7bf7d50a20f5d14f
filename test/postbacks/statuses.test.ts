// GET /api/queue/statuses tells clients what retry and cancel allow; the API does exactly that.
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'

const { own } = cleanupAfterEach()

interface StatusRule {
  status: string
  retryable: boolean
  cancelable: boolean
}

/** Queues a postback and brings it to `status`. */
async function postbackInStatus(app: TestApp, url: (path: string) => string, status: string): Promise<string> {
  const body = {
    pending: { postbackUrl: url('/ok'), payload: {}, delayMs: 60_000 },
    canceled: { postbackUrl: url('/ok'), payload: {}, delayMs: 60_000 },
    processing: { postbackUrl: url('/hang'), payload: {}, timeoutMs: 60_000 },
    completed: { postbackUrl: url('/ok'), payload: {} },
    failed: { postbackUrl: url('/fail'), payload: {}, maxAttempts: 1 },
  }[status]
  const { queueId } = (await app.api('/api/queue/postback', { body })).body
  if (status === 'canceled') expect((await app.api(`/api/queue/postback/${queueId}`, { method: 'DELETE' })).status).toBe(200)
  await postbackIn(app, queueId, [status])
  return queueId
}

describe.each(await storesUnderTest())('postback statuses (%s store)', (store) => {
  it('lists every status in the order of its life, and retry and cancel answer as it says', async () => {
    const receiver = own(
      await startReceiver((request) => (request.path === '/hang' ? { hang: true } : { status: request.path === '/fail' ? 500 : 200 })),
    )
    const app = own(await startApp({ STORE: store }))

    const { status, body: rules } = await app.api('/api/queue/statuses')
    expect(status).toBe(200)
    expect(rules.map((rule: StatusRule) => rule.status)).toEqual(['pending', 'processing', 'completed', 'failed', 'canceled'])

    for (const rule of rules as StatusRule[]) {
      const retried = await postbackInStatus(app, receiver.url, rule.status)
      const retry = await app.api(`/api/queue/postback/${retried}/retry`, { method: 'POST' })
      expect([rule.status, 'retry', retry.status]).toEqual([rule.status, 'retry', rule.retryable ? 200 : 409])

      const canceled = await postbackInStatus(app, receiver.url, rule.status)
      const cancel = await app.api(`/api/queue/postback/${canceled}`, { method: 'DELETE' })
      expect([rule.status, 'cancel', cancel.status]).toEqual([rule.status, 'cancel', rule.cancelable ? 200 : 409])
    }
  })
})
