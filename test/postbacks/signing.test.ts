import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver, signatureHeaders } from '../helpers/receiver.js'

const { own } = cleanupAfterEach()
const receive = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))

  describe('Standard Webhooks signing', () => {
    it('signs every delivery so the standardwebhooks verifier accepts it', async () => {
      const receiver = await receive()
      const app = await start({ POSTBACK_SIGNING_SECRET: SECRET })
      const before = Math.floor(Date.now() / 1000)
      const { body } = await app.api('/api/queue/postback', {
        body: { postbackUrl: receiver.url(), payload: { event: 'invoice.paid', amount: 42, note: 'ção ✓' } },
      })
      const [request] = await receiver.waitForRequests(1)
      const headers = signatureHeaders(request!)
      expect(headers['webhook-id']).toBe(body.queueId)
      expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
      // Signed when sent: after the enqueue, before the receiver had it.
      expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before)
      expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(request!.receivedAt / 1000)
      expect(new Webhook(SECRET).verify(request!.body, headers)).toEqual({ event: 'invoice.paid', amount: 42, note: 'ção ✓' })
    })

    it('produces signatures that fail for a tampered body or another secret', async () => {
      const receiver = await receive()
      const app = await start({ POSTBACK_SIGNING_SECRET: SECRET })
      await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { amount: 42 } } })
      const [request] = await receiver.waitForRequests(1)
      const headers = signatureHeaders(request!)
      expect(() => new Webhook(SECRET).verify(request!.body.replace('42', '43'), headers)).toThrow()
      expect(() => new Webhook('whsec_' + Buffer.from('another secret').toString('base64')).verify(request!.body, headers)).toThrow()
    })

    it('signs each retry afresh with the same webhook-id', async () => {
      const receiver = await receive((_request, index) => ({ status: index === 0 ? 500 : 200 }))
      const app = await start({ POSTBACK_SIGNING_SECRET: SECRET })
      await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { n: 1 } } })
      const requests = await receiver.waitForRequests(2)
      for (const request of requests) expect(() => new Webhook(SECRET).verify(request.body, signatureHeaders(request))).not.toThrow()
      expect(requests[0]!.headers['webhook-id']).toBe(requests[1]!.headers['webhook-id'])
    })

    it('signs a GET over an empty body', async () => {
      const receiver = await receive()
      const app = await start({ POSTBACK_SIGNING_SECRET: SECRET })
      await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), method: 'GET', payload: { a: 'b' } } })
      const [request] = await receiver.waitForRequests(1)
      expect(() => new Webhook(SECRET).verify('', signatureHeaders(request!))).not.toThrow()
    })

    it('sends no signature headers without a secret', async () => {
      const receiver = await receive()
      const app = await start()
      await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: {} } })
      const [request] = await receiver.waitForRequests(1)
      expect(request!.headers['webhook-id']).toBeDefined()
      expect(request!.headers['webhook-signature']).toBeUndefined()
      expect(request!.headers['webhook-timestamp']).toBeUndefined()
    })
  })
})
