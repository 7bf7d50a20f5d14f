// npm run bench: every benchmark with its baseline measured in the same run.
// npm run bench -- --smoke: the same scripts with tiny sizes, to check they still work.
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { redisAnswers } from '../scripts/redis-keys.js'
import { REDIS_URL, ROOT } from './lib/processes.js'
import { higherIsBetter, lowerIsBetter, print, save, type Row } from './lib/report.js'
import { round } from './lib/stats.js'
import {
  deliveryBenchmark,
  enqueueBenchmark,
  fairnessBenchmark,
  growthBenchmark,
  latencyBenchmark,
  startReceiver,
  type Sizes,
} from './scenarios/postbacks.js'
import { fanOut, memoryPerSocket } from './scenarios/sockets.js'
import { burstBenchmark, cpuRows, redisCeilingBenchmark, sqliteCpuCost, type ClusterSizes } from './scenarios/cluster-store.js'
import { realtimeRows, type RealtimeSizes } from './scenarios/realtime-rows.js'

const smoke = process.argv.includes('--smoke')
/** `--only enqueue,fanout` runs just those groups (for profiling); rows that need another group's figure are skipped. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const wanted = (group: string) => only === undefined || only.includes(group)
const sizes: Sizes & { fanOutSockets: number[]; dispatches: number; memorySockets: number } = smoke
  ? { rounds: 1, enqueueSeconds: 1, deliveries: 300, latencySamples: 20, smallBacklog: 100, bigBacklog: 1000, growthDeliveries: 200, fanOutSockets: [100], dispatches: 3, memorySockets: 200 }
  : { rounds: 3, enqueueSeconds: 10, deliveries: 20_000, latencySamples: 300, smallBacklog: 1000, bigBacklog: 100_000, growthDeliveries: 5000, fanOutSockets: [1000, 5000], dispatches: 10, memorySockets: 5000 }

const clusterSizes: ClusterSizes = smoke ? { rounds: 1, queued: 200, burst: 200 } : { rounds: 3, queued: 5000, burst: 2000 }
const realtimeSizes: RealtimeSizes = smoke
  ? { rounds: 1, channelSockets: 100, rateSeconds: 1, replayed: 20 }
  : { rounds: 3, channelSockets: 1000, rateSeconds: 10, replayed: 100 }

const step = (name: string) => console.log(`… ${name}`)

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/server.js'))) throw new Error('dist/server.js is missing: run npm run build first')
  const rows: Row[] = []
  const receiver = await startReceiver()
  try {
    let enqueue: Awaited<ReturnType<typeof enqueueBenchmark>> | undefined
    if (wanted('enqueue')) {
      step('enqueue throughput')
      enqueue = await enqueueBenchmark(sizes, receiver)
      rows.push(higherIsBetter('enqueue throughput (50 connections)', 'req/s', enqueue.rps, enqueue.bare, 'bare Fastify route', 0.6))
      rows.push({ name: 'enqueue p99 latency (50 connections)', unit: 'ms', ours: enqueue.p99, target: '< 25 ms', met: enqueue.p99 < 25 })
    }

    let delivery: Awaited<ReturnType<typeof deliveryBenchmark>> | undefined
    if (wanted('delivery')) {
      step('delivery throughput')
      delivery = await deliveryBenchmark(sizes, receiver)
      rows.push(higherIsBetter(`delivery throughput (${sizes.deliveries} queued postbacks, concurrency 10)`, 'deliveries/s', delivery.ours, delivery.raw, 'raw keep-alive client', 0.7))
      rows.push({
        ...higherIsBetter(`enqueue + delivery end to end (${sizes.deliveries} postbacks)`, 'postbacks/s', delivery.endToEnd, delivery.raw, 'raw keep-alive client', 0),
        target: 'reported',
        met: undefined,
      })
    }

    if (wanted('latency')) {
      step('latency at light load')
      rows.push(...(await latencyBenchmark(sizes, receiver)))
    }

    if (wanted('growth')) {
      step('growth with a backlog')
      rows.push(...(await growthBenchmark(sizes, receiver)))
    }

    if (wanted('fairness')) {
      step('fair delivery')
      rows.push(await fairnessBenchmark(sizes, receiver))
    }

    const fanOutTimes = new Map<number, number>()
    if (wanted('fanout')) {
      for (const sockets of sizes.fanOutSockets) {
        step(`fan-out to ${sockets} sockets`)
        const ours = await fanOut('ours', sockets, sizes.dispatches)
        const bare = await fanOut('bare', sockets, sizes.dispatches)
        fanOutTimes.set(sockets, ours)
        rows.push(lowerIsBetter(`fan-out to 1 channel of ${sockets} sockets (p50)`, 'ms', ours, bare, 'bare Socket.IO', 1.2))
      }
    }

    if (wanted('memory')) {
      step('memory per idle socket')
      const memoryOurs = await memoryPerSocket('ours', sizes.memorySockets)
      const memoryBare = await memoryPerSocket('bare', sizes.memorySockets)
      rows.push(lowerIsBetter(`memory per idle socket (${sizes.memorySockets} sockets)`, 'KB', memoryOurs / 1024, memoryBare / 1024, 'bare Socket.IO', 1.3))
    }

    const redisUp = await redisAnswers(REDIS_URL)
    if (wanted('realtime')) rows.push(...(await realtimeRows(realtimeSizes, redisUp, step)))

    if ((wanted('redis') || wanted('cluster')) && !redisUp) {
      console.warn(`Redis does not answer at ${REDIS_URL}: the STORE=redis rows are left out`)
    }
    if (wanted('redis') && redisUp) {
      const redis = { STORE: 'redis' }
      // Each row compares with the SQLite figure of the same run, when that group ran.
      if (enqueue) {
        step('STORE=redis enqueue')
        const redisEnqueue = await enqueueBenchmark(sizes, receiver, redis)
        rows.push(higherIsBetter('STORE=redis enqueue throughput', 'req/s', redisEnqueue.rps, enqueue.rps, 'SQLite', 0.5))
      }
      if (delivery) {
        step('STORE=redis delivery')
        const redisDelivery = await deliveryBenchmark(sizes, receiver, redis)
        rows.push({ ...higherIsBetter('STORE=redis delivery throughput', 'deliveries/s', redisDelivery.ours, delivery.ours, 'SQLite', 0), target: 'reported', met: undefined })
      }
      const sockets = sizes.fanOutSockets[0]!
      if (fanOutTimes.has(sockets)) {
        step(`STORE=redis fan-out to ${sockets} sockets`)
        const redisFanOut = await fanOut('ours', sockets, sizes.dispatches, redis)
        rows.push({ ...lowerIsBetter(`STORE=redis fan-out to ${sockets} sockets (p50)`, 'ms', redisFanOut, fanOutTimes.get(sockets)!, 'SQLite', Infinity), target: 'reported', met: undefined })
      }
    }

    if (wanted('cluster') && redisUp) {
      step('STORE=redis delivery against a bare BullMQ worker')
      const ceiling = await redisCeilingBenchmark(clusterSizes, receiver)
      rows.push(...ceiling.rows)
      step('one-destination burst')
      rows.push(...(await burstBenchmark(clusterSizes, receiver)))
      step('STORE=redis fair delivery')
      rows.push(await fairnessBenchmark(sizes, receiver, { STORE: 'redis' }))
      step('CPU per delivery')
      rows.push(...cpuRows(await sqliteCpuCost(clusterSizes, receiver), ceiling.cpu))
    }
  } finally {
    await receiver.stop()
  }

  print(rows)
  const file = save(rows, {
    smoke,
    ...(only ? { only } : {}),
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    sizes,
  })
  console.log(`results written to ${file}`)
  const missed = rows.filter((r) => r.met === false)
  if (missed.length && !smoke) console.log(`targets missed: ${missed.map((r) => r.name).join('; ')}`)
  console.log(`done in ${round(process.uptime(), 1)} s`)
}

await main()
