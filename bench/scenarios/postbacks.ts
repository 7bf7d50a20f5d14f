// Postback benchmarks: enqueue rate, delivery rate, latency, growth with a backlog, fairness.
import { cpuMsOf } from '../lib/cpu.js'
import { call, hammer, rawPosts } from '../lib/load.js'
import { TOKEN, ask, startScript, startService, type Started } from '../lib/processes.js'
import { higherIsBetter, type Row } from '../lib/report.js'
import { median, now, percentile, round } from '../lib/stats.js'

export interface Sizes {
  rounds: number
  enqueueSeconds: number
  deliveries: number
  latencySamples: number
  smallBacklog: number
  bigBacklog: number
  growthDeliveries: number
}

export interface Receiver extends Started {
  expect(count: number): Promise<{ count: number; firstAt: number; lastAt: number; latencies: number[] }>
  reset(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const started = await startScript('receiver.ts')
  return {
    ...started,
    expect: (count) => ask(started.child, { type: 'expect', count }),
    reset: async () => void (await ask(started.child, { type: 'reset' })),
  }
}

/** A postback the service keeps for an hour: enqueueing is measured without delivery work. */
const later = (receiver: Receiver) => ({ postbackUrl: `${receiver.url}/later`, payload: { order: 1234, amount: 99.9, currency: 'EUR' }, delayMs: 3_600_000 })
export const due = (receiver: Receiver, path = '/deliver') => ({ postbackUrl: receiver.url + path, payload: { order: 1234, amount: 99.9, currency: 'EUR' } })

/** Requests per second and p99 of POST /api/queue/postback, 50 connections. */
export async function enqueueRate(service: Started, receiver: Receiver, sizes: Sizes) {
  const result = await hammer(`${service.url}/api/queue/postback`, later(receiver), { connections: 50, seconds: sizes.enqueueSeconds })
  if (result.errors > 0) throw new Error(`${result.errors} enqueue errors`)
  return result
}

/** Postbacks delivered per second: `count` enqueued as fast as possible, until the receiver has all. */
export async function deliveryRate(service: Started, receiver: Receiver, count: number, path = '/deliver'): Promise<number> {
  await receiver.reset()
  const startedAt = now()
  const arrived = receiver.expect(count)
  const result = await hammer(`${service.url}/api/queue/postback`, due(receiver, path), { connections: 50, amount: count })
  if (result.errors > 0) throw new Error(`${result.errors} enqueue errors`)
  const { lastAt } = await arrived
  return count / ((lastAt - startedAt) / 1000)
}

export async function enqueueBenchmark(sizes: Sizes, receiver: Receiver, env: Record<string, string> = {}) {
  const service = await startService(env)
  const baseline = await startScript('baselines/bare-fastify.ts', { API_TOKEN: TOKEN })
  const ours: { requestsPerSecond: number; p99Ms: number }[] = []
  const bare: number[] = []
  try {
    for (let round = 0; round < sizes.rounds; round++) {
      ours.push(await enqueueRate(service, receiver, sizes))
      bare.push((await hammer(`${baseline.url}/api/queue/postback`, later(receiver), { connections: 50, seconds: sizes.enqueueSeconds })).requestsPerSecond)
    }
  } finally {
    await service.stop()
    await baseline.stop()
  }
  return { rps: median(ours.map((o) => o.requestsPerSecond)), p99: median(ours.map((o) => o.p99Ms)), bare: median(bare) }
}

/**
 * Postbacks delivered per second once `count` are queued: all are queued for one moment a little
 * ahead, and the clock runs from that moment until the receiver has all. `cpuOf` processes have
 * their CPU time measured over the same span.
 */
export async function queuedDelivery(service: Started, receiver: Receiver, count: number, cpuOf: number[] = []) {
  await receiver.reset()
  // Ample time to queue them all (about 2 ms per postback at worst on a busy machine).
  const runAt = Date.now() + 2000 + 2 * count
  const arrived = receiver.expect(count)
  const cpuAtStart = new Promise<number[]>((resolve) => setTimeout(() => resolve(cpuOf.map(cpuMsOf)), runAt - Date.now()))
  const result = await hammer(`${service.url}/api/queue/postback`, { ...due(receiver), runAt: new Date(runAt).toISOString() }, { connections: 50, amount: count })
  if (result.errors > 0) throw new Error(`${result.errors} enqueue errors`)
  if (Date.now() > runAt) throw new Error('queueing took longer than the head start; the figure would mix both')
  const { lastAt } = await arrived
  const before = await cpuAtStart
  return { rate: count / ((lastAt - runAt) / 1000), cpuMs: cpuOf.map((pid, i) => cpuMsOf(pid) - before[i]!) }
}

export const queuedDeliveryRate = async (service: Started, receiver: Receiver, count: number) =>
  (await queuedDelivery(service, receiver, count)).rate

export async function deliveryBenchmark(sizes: Sizes, receiver: Receiver, env: Record<string, string> = {}) {
  const ours: number[] = []
  const endToEnd: number[] = []
  const raw: number[] = []
  // One service for every round, after a warm-up round, just as the baseline runs in this
  // long-lived process: both sides are measured with warm code.
  const service = await startService({ POSTBACK_CONCURRENCY: '10', POSTBACK_HOST_CONCURRENCY: '10', ...env })
  const rawRate = async () => {
    await receiver.reset()
    const arrived = receiver.expect(sizes.deliveries)
    const startedAt = await rawPosts(`${receiver.url}/deliver`, due(receiver).payload, sizes.deliveries, 10)
    return sizes.deliveries / (((await arrived).lastAt - startedAt) / 1000)
  }
  try {
    await queuedDeliveryRate(service, receiver, sizes.deliveries)
    await rawRate()
    for (let round = 0; round < sizes.rounds; round++) {
      ours.push(await queuedDeliveryRate(service, receiver, sizes.deliveries))
      endToEnd.push(await deliveryRate(service, receiver, sizes.deliveries))
      raw.push(await rawRate())
    }
  } finally {
    await service.stop()
  }
  return { ours: median(ours), endToEnd: median(endToEnd), raw: median(raw) }
}

/** Enqueue → receipt at light load: one postback at a time, 10 ms apart. */
export async function latencyBenchmark(sizes: Sizes, receiver: Receiver): Promise<Row[]> {
  const service = await startService()
  try {
    await receiver.reset()
    const arrived = receiver.expect(sizes.latencySamples)
    for (let i = 0; i < sizes.latencySamples; i++) {
      await call(service.url, '/api/queue/postback', { postbackUrl: `${receiver.url}/latency`, payload: { sentAt: now(), i } })
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const { latencies } = await arrived
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    return [
      { name: 'enqueue→delivery latency p50 (light load)', unit: 'ms', ours: round(p50), target: '≤ 5 ms', met: p50 <= 5 },
      { name: 'enqueue→delivery latency p99 (light load)', unit: 'ms', ours: round(p99), target: '≤ 20 ms', met: p99 <= 20 },
    ]
  } finally {
    await service.stop()
  }
}

/** Enqueue and delivery rates with a small and a big backlog of pending postbacks. */
export async function growthBenchmark(sizes: Sizes, receiver: Receiver): Promise<Row[]> {
  const service = await startService({ POSTBACK_CONCURRENCY: '10', POSTBACK_HOST_CONCURRENCY: '10' })
  const pending = async () => (await call(service.url, '/api/queue/stats')).counts.pending as number
  const fill = async (target: number) => {
    const missing = target - (await pending())
    if (missing > 0) await hammer(`${service.url}/api/queue/postback`, later(receiver), { connections: 50, amount: missing })
  }
  // A fixed number of requests (not a duration), so that measuring adds little to the backlog.
  const measure = async () => {
    const backlog = await pending()
    const enqueue = await hammer(`${service.url}/api/queue/postback`, later(receiver), { connections: 50, amount: sizes.growthDeliveries })
    const delivery = await deliveryRate(service, receiver, sizes.growthDeliveries)
    return { backlog, enqueue: enqueue.requestsPerSecond, delivery }
  }
  try {
    // Warm-up (deliveries leave no backlog), so that both measured rounds run on warm code.
    await deliveryRate(service, receiver, sizes.growthDeliveries)
    await fill(sizes.smallBacklog)
    const small = await measure()
    await fill(sizes.bigBacklog)
    const big = await measure()
    const rss = service.rss() / 1024 / 1024
    return [
      higherIsBetter(`enqueue rate with ${big.backlog} pending`, 'req/s', big.enqueue, small.enqueue, `${small.backlog} pending`, 0.8),
      higherIsBetter(`delivery rate with ${big.backlog} pending`, 'deliveries/s', big.delivery, small.delivery, `${small.backlog} pending`, 0.8),
      { name: `server RSS with ${await pending()} pending`, unit: 'MB', ours: round(rss, 1), target: '< 300 MB', met: rss < 300 },
    ]
  } finally {
    await service.stop()
  }
}

/** Delivery rate to a fast receiver while a hanging one holds its slots, against the rate alone. */
export async function fairnessBenchmark(sizes: Sizes, receiver: Receiver, env: Record<string, string> = {}): Promise<Row> {
  const alone: number[] = []
  const mixed: number[] = []
  // Another port: another destination, with fair-delivery slots of its own.
  const hanging = await startReceiver()
  try {
    for (let round = 0; round < sizes.rounds; round++) {
      const quiet = await startService(env)
      try {
        alone.push(await deliveryRate(quiet, receiver, sizes.growthDeliveries))
      } finally {
        await quiet.stop()
      }
      const busy = await startService(env)
      try {
        // The hanging receiver's postbacks are queued first, so they are due first.
        await hammer(`${busy.url}/api/queue/postback`, due(hanging, '/hang'), { connections: 10, amount: 200 })
        mixed.push(await deliveryRate(busy, receiver, sizes.growthDeliveries))
      } finally {
        await busy.stop()
      }
    }
  } finally {
    await hanging.stop()
  }
  const store = env.STORE === 'redis' ? 'STORE=redis ' : ''
  return higherIsBetter(`${store}fair delivery: fast receiver beside a hanging one`, 'deliveries/s', median(mixed), median(alone), 'fast receiver alone', 0.8)
}
