// A backend talking to Queue Socket Provider through its client, @queue-socket-provider/client
// (clients/typescript; `npm ci` builds it): queue a postback and hear over the socket when it
// ends, mint a client token for a browser, dispatch an event with an offline fallback.
//
//   QSP_URL=http://localhost:3000 QSP_TOKEN=$(grep API_TOKEN .env | cut -d= -f2) node examples/backend.mjs
//
// It starts a tiny receiver on 127.0.0.1 for the postback, so the service must allow private
// destinations (POSTBACK_ALLOW_PRIVATE_NETWORKS=true), or pass RECEIVER_URL=https://… of your own.
// Give it the service's POSTBACK_SIGNING_SECRET too and the receiver checks every signature.
import { createServer } from 'node:http'
import { QspClient, connectRealtime, verifyWebhook } from '@queue-socket-provider/client'

const QSP_URL = process.env.QSP_URL ?? 'http://localhost:3000'
const QSP_TOKEN = process.env.QSP_TOKEN
if (!QSP_TOKEN) {
  console.error('Set QSP_TOKEN to the service API_TOKEN')
  process.exit(1)
}
const SIGNING_SECRET = process.env.POSTBACK_SIGNING_SECRET
const qsp = new QspClient({ url: QSP_URL, token: QSP_TOKEN })

// 1. Somewhere to deliver to; with the signing secret, only signed deliveries are accepted.
let receiver
let receiverUrl = process.env.RECEIVER_URL
if (!receiverUrl) {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      if (SIGNING_SECRET) {
        try {
          verifyWebhook(body, req.headers, SIGNING_SECRET)
          console.log('receiver: signature verified')
        } catch (error) {
          console.log('receiver: bad signature,', error.message)
          return res.writeHead(401).end()
        }
      }
      console.log(`receiver got ${req.method} ${req.url} webhook-id=${req.headers['webhook-id']} body=${body}`)
      res.end('thanks')
    })
  })
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/webhook`
}

// 2. Listen on a channel of our own: the service announces there when the postback ends.
const realtime = await connectRealtime({ url: QSP_URL, token: QSP_TOKEN, channel: 'backend-example' })
const ended = new Promise((resolve) => {
  for (const event of ['postback.completed', 'postback.failed']) realtime.onEvent(event, (message) => resolve(message.data))
})

// 3. Queue a postback; the answer comes before the delivery.
const { queueId } = await qsp.queue({
  postbackUrl: receiverUrl,
  payload: { event: 'order.paid', orderId: 8812, amount: 42.5 },
  headers: { 'X-Source': 'examples/backend.mjs' },
  idempotencyKey: `order-8812-paid-${Date.now()}`,
  notify: { channel: 'backend-example' },
})
console.log('queued', queueId)

// 4. Wait for it to end (at most 10 s), then read its attempts.
await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 10_000))])
realtime.close()
const postback = await qsp.get(queueId)
console.log('status', postback.status, 'after', postback.attempts.length, 'attempt(s)', postback.lastError ?? '')

// 5. Mint a token for a browser: it may connect only as user-123, only to team-7.
const { token, expiresAt } = await qsp.clientToken({ userId: 'user-123', channels: ['team-7'], expiresIn: 600 })
console.log('client token for user-123, valid until', expiresAt, `(${token.slice(0, 16)}…)`)

// 6. Push an event to that user; queue it as a postback if nobody is connected.
const dispatched = await qsp.dispatch({
  userId: 'user-123',
  event: 'order.paid',
  data: { orderId: 8812 },
  fallback: { postbackUrl: receiverUrl },
})
console.log('dispatched to', dispatched.dispatchedCount, 'socket(s)', dispatched.fallbackQueueId ? `(fallback ${dispatched.fallbackQueueId})` : '')

receiver?.close()
process.exit(postback.status === 'completed' ? 0 : 1)
