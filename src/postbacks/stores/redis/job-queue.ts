// The BullMQ side of the Redis store. A BullMQ job (id = postback id) is what makes an instance
// pick a postback up: BullMQ holds the schedule (delays, backoff), the lock that keeps each
// postback with one instance at a time, and stalled-job recovery when an instance dies.
import { Queue, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import { QUEUE_NAME } from './keys.js'

export interface JobQueueOptions {
  connection: Redis
  prefix: string
  retentionMs: number
}

export type JobQueue = ReturnType<typeof createJobQueue>

/** What a job carries: enough to schedule it and to judge its destination's slots before claiming. */
export interface ScheduledPostback {
  id: string
  runAt: number
  maxAttempts: number
  destination: string
}

export interface JobData {
  destination: string
}

export function createJobQueue({ connection, prefix, retentionMs }: JobQueueOptions) {
  const queue = new Queue(QUEUE_NAME, { connection, prefix })
  queue.on('error', () => undefined) // connection trouble: each call reports it to its caller
  const keep = { age: Math.max(1, Math.ceil(retentionMs / 1000)) }

  const options = ({ id, runAt, maxAttempts }: ScheduledPostback): JobsOptions => ({
    jobId: id,
    delay: Math.max(0, runAt - Date.now()),
    attempts: maxAttempts,
    backoff: { type: 'postback' },
    removeOnComplete: keep,
    removeOnFail: keep,
  })

  return {
    /** Schedules a new postback. Adding an id that BullMQ already holds does nothing. */
    async add(postback: ScheduledPostback): Promise<void> {
      const data: JobData = { destination: postback.destination }
      await queue.add(QUEUE_NAME, data, options(postback))
    },

    /** Makes sure a postback that is pending again has a job waiting for it. */
    async ensure(postback: ScheduledPostback): Promise<void> {
      const job = await queue.getJob(postback.id)
      if (!job) return this.add(postback)
      const state = await job.getState()
      if (state === 'completed' || state === 'failed') {
        await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true })
      }
    },

    /** Drops a job that has not started; a job that is running is left to finish. */
    async remove(id: string): Promise<void> {
      await queue.remove(id).catch(() => undefined)
    },

    close: () => queue.close(),
  }
}
