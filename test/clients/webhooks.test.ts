// verifyWebhook, as a receiver uses it on real signed deliveries.
import { QspClient, Webhook, WebhookVerificationError, verifyWebhook } from '@queue-socket-provider/client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver, type ReceivedRequest } from '../helpers/receiver.js'

const { own } = cleanupAfterEach()
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const OLD_SECRET = `whsec_${Buffer.from('the secret before the rotation').toString('base64')}`

/** One delivery signed by a service whose signing secret is `secret`. */
async function signedDelivery(secret: string, payload: Record<string, unknown>): Promise<ReceivedRequest> {
  const receiver = own(await startReceiver())
  const app = own(await startApp({ POSTBACK_SIGNING_SECRET: secret }))
  await new QspClient({ url: app.url, token: TOKEN }).queue({ postbackUrl: receiver.url(), payload })
  const [request] = await receiver.waitForRequests(1)
  return request!
}

describe('verifyWebhook', () => {
  it('returns the payload of a delivery signed with the secret, from Node’s headers or Fetch Headers', async () => {
    const request = await signedDelivery(SECRET, { event: 'invoice.paid', note: 'ção ✓' })
    expect(verifyWebhook(request.body, request.headers, SECRET)).toEqual({ event: 'invoice.paid', note: 'ção ✓' })
    const fetchHeaders = new Headers(Object.entries(request.headers).map(([name, value]) => [name, String(value)]))
    expect(verifyWebhook(Buffer.from(request.body), fetchHeaders, SECRET)).toEqual({ event: 'invoice.paid', note: 'ção ✓' })
  })

  it('accepts a delivery signed with either of two secrets while the receiver switches', async () => {
    const request = await signedDelivery(SECRET, { n: 1 })
    expect(verifyWebhook(request.body, request.headers, [OLD_SECRET, SECRET])).toEqual({ n: 1 })
    expect(verifyWebhook(request.body, request.headers, [SECRET, OLD_SECRET])).toEqual({ n: 1 })
    expect(() => verifyWebhook(request.body, request.headers, [OLD_SECRET])).toThrow(WebhookVerificationError)
  })

  it('accepts a header carrying the new and the old signature with only the old secret', () => {
    // What the service sends during its own rotation: `v1,<new> v1,<old>` in one header.
    const body = JSON.stringify({ n: 2 })
    const sent = new Date()
    const signature = (secret: string) => new Webhook(secret).sign('msg_1', sent, body)
    const headers = {
      'Webhook-Id': 'msg_1',
      'Webhook-Timestamp': String(Math.floor(sent.getTime() / 1000)),
      'Webhook-Signature': `${signature(SECRET)} ${signature(OLD_SECRET)}`,
    }
    expect(verifyWebhook(body, headers, OLD_SECRET)).toEqual({ n: 2 })
    expect(verifyWebhook(body, headers, SECRET)).toEqual({ n: 2 })
  })

  it('refuses a tampered body, a missing header and an empty list of secrets', async () => {
    const request = await signedDelivery(SECRET, { amount: 42 })
    expect(() => verifyWebhook(request.body.replace('42', '43'), request.headers, SECRET)).toThrow(WebhookVerificationError)
    const { 'webhook-signature': _signature, ...unsigned } = request.headers
    expect(() => verifyWebhook(request.body, unsigned, SECRET)).toThrow('Missing required header webhook-signature')
    expect(() => verifyWebhook(request.body, request.headers, [])).toThrow(TypeError)
  })
})
