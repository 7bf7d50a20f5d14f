// A backend talking to Queue Socket Provider with nothing but fetch:
// queue a postback and watch it, mint a client token for a browser, dispatch an event.
//
//   QSP_URL=http://localhost:3000 QSP_TOKEN=$(grep API_TOKEN .env | cut -d= -f2) node examples/backend.mjs
//
// It starts a tiny receiver on 127.0.0.1 for the postback, so the service must allow private
// destinations (POSTBACK_ALLOW_PRIVATE_NETWORKS=true), or pass RECEIVER_URL=https://… of your own.
import { createServer } from 'node:http'

const QSP_URL = process.env.QSP_URL ?? 'http://localhost:3000'
const QSP_TOKEN = process.env.QSP_TOKEN
if (!QSP_TOKEN) {
  console.error('Set QSP_TOKEN to the service API_TOKEN')
  process.exit(1)
}

async function qsp(path, body) {
  const response = await fetch(QSP_URL + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${QSP_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = await response.json()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${answer.error}: ${answer.message}`)
  return answer
}

// 1. Somewhere to deliver to.
let receiver
let receiverUrl = process.env.RECEIVER_URL
if (!receiverUrl) {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      console.log(`receiver got ${req.method} ${req.url} webhook-id=${req.headers['webhook-id']} body=${body}`)
      res.end('thanks')
    })
  })
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/webhook`
}

// 2. Queue a postback; the answer comes before the delivery.
const { queueId } = await qsp('/api/queue/postback', {
  postbackUrl: receiverUrl,
  payload: { event: 'order.paid', orderId: 8812, amount: 42.5 },
  headers: { 'X-Source': 'examples/backend.mjs' },
  idempotencyKey: `order-8812-paid-${Date.now()}`,
})
console.log('queued', queueId)

// 3. Watch its status until it ends.
let postback
for (let i = 0; i < 100; i++) {
  postback = await qsp(`/api/queue/postback/${queueId}`)
  if (postback.status === 'completed' || postback.status === 'failed') break
  await new Promise((resolve) => setTimeout(resolve, 100))
}
console.log('status', postback.status, 'after', postback.attempts.length, 'attempt(s)', postback.lastError ?? '')

// 4. Mint a token for a browser: it may connect only as user-123, only to team-7.
const { token, expiresAt } = await qsp('/api/socket/token', { userId: 'user-123', channels: ['team-7'], expiresIn: 600 })
console.log('client token for user-123, valid until', expiresAt, `(${token.slice(0, 16)}…)`)

// 5. Push an event to that user; queue it as a postback if nobody is connected.
const dispatched = await qsp('/api/socket/dispatch', {
  userId: 'user-123',
  event: 'order.paid',
  data: { orderId: 8812 },
  fallback: { postbackUrl: receiverUrl },
})
console.log('dispatched to', dispatched.dispatchedCount, 'socket(s)', dispatched.fallbackQueueId ? `(fallback ${dispatched.fallbackQueueId})` : '')

receiver?.close()
process.exit(postback.status === 'completed' ? 0 : 1)
