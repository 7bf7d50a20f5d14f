// Baseline for the Redis store's delivery rate: what a team would write instead of using the
// service — a bare BullMQ queue and worker that POST the same payloads to the same receiver at the
// same concurrency with a keep-alive client, with no bookkeeping (no status, history, indexes or
// per-destination limits). Runs as a helper process: `run` queues `count` jobs with no worker,
// then starts the worker and answers the moment it started.
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import { answerRequests } from '../lib/processes.js'
import { now } from '../lib/stats.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = process.env.REDIS_PREFIX ?? 'qsp-bench-bullmq'
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
const queue = new Queue('deliveries', { connection, prefix })
let worker: Worker | undefined
let pool: Pool | undefined

answerRequests({
  async run({ count, concurrency, url, payload }: { count: number; concurrency: number; url: string; payload: unknown }) {
    await worker?.close()
    await pool?.close()
    await queue.obliterate({ force: true })
    const body = JSON.stringify(payload)
    for (let i = 0; i < count; i += 1000) {
      const size = Math.min(1000, count - i)
      await queue.addBulk(Array.from({ length: size }, () => ({ name: 'deliver', data: { url, body }, opts: { removeOnComplete: true } })))
    }
    const target = new URL(url)
    pool = new Pool(target.origin, { connections: concurrency })
    const startedAt = now()
    worker = new Worker(
      'deliveries',
      async (job) => {
        const answer = await pool!.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
          body: job.data.body as string,
        })
        await answer.body.dump()
        if (answer.statusCode >= 300) throw new Error(`HTTP ${answer.statusCode}`)
      },
      { connection: connection.duplicate(), prefix, concurrency },
    )
    return startedAt
  },
  async clean() {
    await worker?.close()
    await pool?.close()
    await queue.obliterate({ force: true })
    return true
  },
})

console.log('ready')
