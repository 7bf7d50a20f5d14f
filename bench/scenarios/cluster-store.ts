// The Redis store against what a team would run instead (a bare BullMQ worker) and against the
// embedded store: delivery with a backlog, a burst to one destination, and the CPU each delivery
// costs the service and redis-server.
import { redisServerPid } from '../lib/cpu.js'
import { REDIS_URL, ask, startScript, startService } from '../lib/processes.js'
import { higherIsBetter, type Row } from '../lib/report.js'
import { median, round } from '../lib/stats.js'
import { deliveryRate, due, queuedDelivery, type Receiver } from './postbacks.js'

export interface ClusterSizes {
  rounds: number
  /** postbacks queued before delivery starts */
  queued: number
  /** postbacks in the one-destination burst */
  burst: number
}

const REDIS = { STORE: 'redis' }

/**
 * Our Redis delivery rate with a backlog, against a bare BullMQ worker at the same concurrency (10):
 * with the default settings (one destination gets POSTBACK_HOST_CONCURRENCY=4 of the 10), and with
 * the per-destination cap raised to 10, which compares the engines slot for slot.
 */
export async function redisCeilingBenchmark(sizes: ClusterSizes, receiver: Receiver): Promise<{ rows: Row[]; cpu: CpuCost }> {
  const ours: number[] = []
  const uncapped: number[] = []
  const bare: number[] = []
  const cpu: CpuCost[] = []
  const redisPid = redisServerPid(REDIS_URL)
  const service = await startService(REDIS)
  const wide = await startService({ ...REDIS, POSTBACK_HOST_CONCURRENCY: '10' })
  const baseline = await startScript('baselines/bare-bullmq.ts', { REDIS_URL, REDIS_PREFIX: `qsp-bench-bullmq-${process.pid}` })
  const bareRate = async () => {
    await receiver.reset()
    const arrived = receiver.expect(sizes.queued)
    const startedAt = await ask<number>(baseline.child, { type: 'run', count: sizes.queued, concurrency: 10, url: `${receiver.url}/deliver`, payload: due(receiver).payload })
    return sizes.queued / (((await arrived).lastAt - startedAt) / 1000)
  }
  const oursRate = async () => {
    const pids = [service.child.pid!, ...(redisPid ? [redisPid] : [])]
    const { rate, cpuMs } = await queuedDelivery(service, receiver, sizes.queued, pids)
    cpu.push({ serviceMs: cpuMs[0]! / sizes.queued, redisMs: redisPid ? cpuMs[1]! / sizes.queued : undefined })
    return rate
  }
  try {
    // Warm-up rounds, so that both sides are measured with warm code.
    await oursRate()
    await bareRate()
    cpu.length = 0
    await queuedDelivery(wide, receiver, sizes.queued)
    for (let round = 0; round < sizes.rounds; round++) {
      ours.push(await oursRate())
      uncapped.push((await queuedDelivery(wide, receiver, sizes.queued)).rate)
      bare.push(await bareRate())
    }
  } finally {
    await ask(baseline.child, { type: 'clean' })
    await baseline.stop()
    await service.stop()
    await wide.stop()
  }
  const rows = [
    higherIsBetter(`STORE=redis delivery (${sizes.queued} queued, default settings)`, 'deliveries/s', median(ours), median(bare), 'bare BullMQ worker', 0.7),
    {
      ...higherIsBetter(`STORE=redis delivery (${sizes.queued} queued, POSTBACK_HOST_CONCURRENCY=10)`, 'deliveries/s', median(uncapped), median(bare), 'bare BullMQ worker', 0),
      target: 'reported',
      met: undefined,
    },
  ]
  return { rows, cpu: medianCost(cpu) }
}

/** A burst to one destination, enqueued over HTTP until the last delivery, default settings. */
export async function burstBenchmark(sizes: ClusterSizes, receiver: Receiver): Promise<Row[]> {
  const burst = async (env: Record<string, string>) => {
    const rates: number[] = []
    const service = await startService(env)
    try {
      await deliveryRate(service, receiver, sizes.burst) // warm-up
      for (let round = 0; round < sizes.rounds; round++) rates.push(await deliveryRate(service, receiver, sizes.burst))
    } finally {
      await service.stop()
    }
    return median(rates)
  }
  const sqlite = await burst({})
  const redis = await burst(REDIS)
  // The same burst with the per-destination cap raised to the global one: how much the default
  // cap costs a single fast destination (a work-conserving scheduler loses little).
  const uncapped = await burst({ ...REDIS, POSTBACK_HOST_CONCURRENCY: '10' })
  return [
    higherIsBetter(`one-destination burst of ${sizes.burst}, STORE=redis`, 'postbacks/s', redis, sqlite, 'STORE=sqlite', 0.4),
    higherIsBetter(`one-destination burst of ${sizes.burst}, STORE=redis, default cap`, 'postbacks/s', redis, uncapped, 'cap raised to POSTBACK_CONCURRENCY', 0.9),
  ]
}

export interface CpuCost {
  /** CPU ms of the service process per delivery */
  serviceMs: number
  /** CPU ms of redis-server per delivery (Redis store, when redis-server runs here) */
  redisMs?: number | undefined
}

/** CPU cost per delivery of the embedded store, with a backlog (the Redis one comes with its ceiling). */
export async function sqliteCpuCost(sizes: ClusterSizes, receiver: Receiver): Promise<CpuCost> {
  const service = await startService()
  const costs: CpuCost[] = []
  try {
    await queuedDelivery(service, receiver, sizes.queued) // warm-up
    for (let round = 0; round < sizes.rounds; round++) {
      const { cpuMs } = await queuedDelivery(service, receiver, sizes.queued, [service.child.pid!])
      costs.push({ serviceMs: cpuMs[0]! / sizes.queued })
    }
  } finally {
    await service.stop()
  }
  return medianCost(costs)
}

export function cpuRows(sqlite: CpuCost, redis: CpuCost): Row[] {
  const row = (name: string, ms: number | undefined): Row[] =>
    ms === undefined ? [] : [{ name, unit: 'ms CPU', ours: round(ms, 3), target: 'reported' }]
  return [
    ...row('CPU per delivery, service process, STORE=sqlite', sqlite.serviceMs),
    ...row('CPU per delivery, service process, STORE=redis', redis.serviceMs),
    ...row('CPU per delivery, redis-server, STORE=redis', redis.redisMs),
  ]
}

function medianCost(costs: CpuCost[]): CpuCost {
  const redis = costs.map((c) => c.redisMs).filter((ms): ms is number => ms !== undefined)
  return { serviceMs: median(costs.map((c) => c.serviceMs)), redisMs: redis.length ? median(redis) : undefined }
}
