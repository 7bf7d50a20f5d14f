// Runs deliveries from BullMQ jobs: claims the postback, delivers it through the domain's
// worker, records the outcome, and tells BullMQ what comes next (done, retry after our backoff,
// or failed for good).
import { DelayedError, UnrecoverableError, Worker as BullWorker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { AttemptOutcome, DueDelivery, PostbackView } from '../../types.js'
import { waitAtMost } from '../drain.js'
import type { Worker } from '../store.js'
import type { JobData } from './job-queue.js'
import { QUEUE_NAME } from './keys.js'

export interface ConsumerHooks {
  /** Marks the postback processing; undefined when it must not be delivered (canceled, gone). */
  start(id: string): Promise<DueDelivery | undefined>
  /** Records the attempt. */
  settle(id: string, outcome: AttemptOutcome): Promise<void>
  view(id: string): Promise<PostbackView | undefined>
}

export interface ConsumerOptions {
  redisUrl: string
  prefix: string
  /** how long a silent instance keeps its postbacks before another takes them over */
  lockMs: number
  retentionMs: number
}

/** Carries the domain's retry delay to the backoff strategy. */
class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message)
  }
}

export function startConsumer(worker: Worker, hooks: ConsumerHooks, options: ConsumerOptions) {
  const shutdown = new AbortController()
  /** per destination: jobs that passed the slot check and are being claimed */
  const starting = new Map<string, number>()

  async function processJob(job: Job<JobData>, token?: string): Promise<unknown> {
    try {
      return await deliver(job, token)
    } catch (error) {
      if (error instanceof RetryLater || error instanceof UnrecoverableError || error instanceof DelayedError) throw error
      // Redis failed around the attempt: try again soon without spending an attempt; if Redis is
      // gone altogether, the lock lapses and stalled-job recovery does the same.
      worker.reportError(error)
      await job.moveToDelayed(Date.now() + 1000, token)
      throw new DelayedError()
    }
  }

  async function deliver(job: Job<JobData>, token?: string): Promise<unknown> {
    const id = job.id!
    const { destination } = job.data
    if (worker.slotsFor(destination) - (starting.get(destination) ?? 0) <= 0) {
      // Fair delivery: this destination is at its cap here; set the postback aside briefly
      // rather than let it hold a slot that another destination could use.
      await job.moveToDelayed(Date.now() + worker.turnAway(destination), token)
      throw new DelayedError()
    }
    // The slot is taken once the attempt starts; until then it is held here.
    starting.set(destination, (starting.get(destination) ?? 0) + 1)
    let delivery
    try {
      delivery = await hooks.start(id)
    } finally {
      const left = starting.get(destination)! - 1
      if (left === 0) starting.delete(destination)
      else starting.set(destination, left)
    }
    if (!delivery) return { skipped: true }
    const outcome = await worker.process(delivery, shutdown.signal)
    if (shutdown.signal.aborted) {
      // Cut off by shutdown: hand the job back at once for any instance to deliver.
      await job.moveToDelayed(Date.now(), token)
      throw new DelayedError()
    }
    await hooks.settle(id, outcome)
    if (outcome.kind === 'retry') {
      throw new RetryLater(Math.max(0, outcome.retryAt - Date.now()), outcome.attempt.error ?? 'failed attempt')
    }
    worker.onFinished({ delivery, status: outcome.kind, view: () => hooks.view(id) })
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.attempt.error ?? `HTTP ${outcome.attempt.statusCode}`)
    return { statusCode: outcome.attempt.statusCode }
  }

  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
  const bull = new BullWorker(QUEUE_NAME, processJob, {
    connection,
    prefix: options.prefix,
    concurrency: worker.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    // A postback whose instance died is always handed on, never failed for stalling.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    settings: {
      backoffStrategy: (_attemptsMade, _type, error) => (error instanceof RetryLater ? error.delayMs : 1000),
    },
  })
  bull.on('error', (error) => worker.reportError(error))

  return {
    /** Stops taking jobs; jobs in flight get drainMs, then are handed back. */
    async close(drainMs: number): Promise<void> {
      const closed = bull.close()
      await waitAtMost(closed, drainMs)
      shutdown.abort()
      await closed
      connection.disconnect()
    },
  }
}
