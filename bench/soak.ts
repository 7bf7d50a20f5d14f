// npm run soak: 5000 sockets, 500 dispatches/s and 500 enqueues/s for 5 minutes (--minutes=N),
// all on loopback, stopping by itself. Dispatches go 9 in 10 to one user (one socket) and 1 in 10
// to a channel of 100 sockets, as notifications usually do. Prints errors, p99 latencies and the
// service's RSS every 10 s, and whether RSS levels off. Results go to bench/results/soak.json.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent } from 'undici'
import { ROOT, TOKEN, ask, startService } from './lib/processes.js'
import { now, percentile, round } from './lib/stats.js'
import { startReceiver } from './scenarios/postbacks.js'
import { startClients } from './scenarios/sockets.js'

const minutes = Number(process.argv.find((a) => a.startsWith('--minutes='))?.split('=')[1] ?? 5)
const SOCKETS = 5000
const CHANNELS = 50
const RATE = 500 // per second, each of dispatches and enqueues
const TICK_MS = 20

const service = await startService()
const receiver = await startReceiver()
const clients = await startClients()
const agent = new Agent({ connections: 32 })

async function post(path: string, body: unknown): Promise<number> {
  const startedAt = now()
  const answer = await agent.request({
    origin: service.url,
    path,
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  await answer.body.dump()
  if (answer.statusCode !== 200) throw new Error(`HTTP ${answer.statusCode}`)
  return now() - startedAt
}

interface Window {
  dispatch: number[]
  enqueue: number[]
  errors: number
  behind: number
}
let window: Window = { dispatch: [], enqueue: [], errors: 0, behind: 0 }
let outstanding = 0
const send = (kind: 'dispatch' | 'enqueue', path: string, body: unknown) => {
  if (outstanding > 2000) {
    window.behind++
    return
  }
  outstanding++
  post(path, body).then(
    (ms) => window[kind].push(ms),
    () => window.errors++,
  ).finally(() => outstanding--)
}

console.log(`connecting ${SOCKETS} sockets over ${CHANNELS} channels…`)
await ask(clients.child, { type: 'connect', url: service.url, token: TOKEN, channel: 'soak', count: SOCKETS, channels: CHANNELS })
const rssAtStart = service.rss()
console.log(`soak for ${minutes} min: ${RATE} dispatches/s and ${RATE} enqueues/s; RSS at start ${round(rssAtStart / 2 ** 20, 1)} MB`)

let sequence = 0
const perTick = (RATE * TICK_MS) / 1000
const ticker = setInterval(() => {
  for (let i = 0; i < perTick; i++) {
    const n = sequence++
    const target = n % 10 === 0 ? { channel: `soak-${n % CHANNELS}` } : { userId: `user-${n % SOCKETS}` }
    send('dispatch', '/api/socket/dispatch', { ...target, event: 'soak', data: { n, sentAt: now() } })
    send('enqueue', '/api/queue/postback', { postbackUrl: `${receiver.url}/soak`, payload: { n, sentAt: now() } })
  }
}, TICK_MS)

const samples: Record<string, number>[] = []
const startedAt = Date.now()
const sampler = setInterval(() => void takeSample(), 10_000)
async function takeSample(): Promise<void> {
  const sockets = await ask<{ count: number; latencies: number[] }>(clients.child, { type: 'soakStats' })
  const deliveries = await receiver.expect(0)
  await receiver.reset()
  const current = window
  window = { dispatch: [], enqueue: [], errors: 0, behind: 0 }
  const sample = {
    second: Math.round((Date.now() - startedAt) / 1000),
    rssMB: round(service.rss() / 2 ** 20, 1),
    errors: current.errors,
    behind: current.behind,
    dispatchP99Ms: round(percentile(current.dispatch, 99), 1),
    enqueueP99Ms: round(percentile(current.enqueue, 99), 1),
    socketMessages: sockets.count,
    socketP99Ms: round(percentile(sockets.latencies, 99), 1),
    postbacksDelivered: deliveries.count,
    postbackP99Ms: round(percentile(deliveries.latencies, 99), 1),
  }
  samples.push(sample)
  console.log(JSON.stringify(sample))
}

await new Promise((resolve) => setTimeout(resolve, minutes * 60_000))
clearInterval(ticker)
clearInterval(sampler)
await new Promise((resolve) => setTimeout(resolve, 2000))

const third = Math.max(1, Math.floor(samples.length / 3))
const mean = (list: Record<string, number>[]) => list.reduce((a, s) => a + s.rssMB!, 0) / list.length
const middle = mean(samples.slice(third, 2 * third))
const last = mean(samples.slice(-third))
const summary = {
  minutes,
  sockets: SOCKETS,
  ratePerSecond: RATE,
  errors: samples.reduce((a, s) => a + s.errors!, 0),
  behind: samples.reduce((a, s) => a + s.behind!, 0),
  worstDispatchP99Ms: Math.max(...samples.map((s) => s.dispatchP99Ms!)),
  worstEnqueueP99Ms: Math.max(...samples.map((s) => s.enqueueP99Ms!)),
  worstSocketP99Ms: Math.max(...samples.map((s) => s.socketP99Ms!)),
  worstPostbackP99Ms: Math.max(...samples.map((s) => s.postbackP99Ms!)),
  rssStartMB: round(rssAtStart / 2 ** 20, 1),
  rssMiddleThirdMB: round(middle, 1),
  rssLastThirdMB: round(last, 1),
  rssLevelsOff: last <= middle * 1.1,
}
console.log(JSON.stringify(summary, null, 2))
writeFileSync(join(ROOT, 'bench/results/soak.json'), `${JSON.stringify({ date: new Date().toISOString(), summary, samples }, null, 2)}\n`)

await agent.close()
await clients.stop()
await receiver.stop()
await service.stop()
process.exit(summary.errors === 0 && summary.rssLevelsOff ? 0 : 1)
