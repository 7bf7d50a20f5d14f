// One warn line per failed delivery attempt, so that a failing receiver shows in the logs. The
// line names the postback, its destination (scheme, host and port: never the path or query, which
// may carry secrets), the attempt and why it failed; never headers or payload.
import type { FastifyBaseLogger } from 'fastify'
import type { PostbackObserver } from '../postbacks/service.js'

/** `observer` plus the log line; attempts that completed are not logged. */
export function logFailedAttempts(observer: PostbackObserver, log: FastifyBaseLogger): PostbackObserver {
  return {
    ...observer,
    attempted(durationMs, outcome, delivery) {
      observer.attempted(durationMs, outcome, delivery)
      if (outcome.kind === 'completed') return
      log.warn(
        {
          postbackId: delivery.id,
          destination: delivery.destination,
          attempt: delivery.attemptsMade + 1,
          maxAttempts: delivery.maxAttempts,
          ...(outcome.attempt.statusCode === undefined ? {} : { statusCode: outcome.attempt.statusCode }),
          error: outcome.attempt.error,
          ...(outcome.kind === 'retry' ? { nextAttemptAt: new Date(outcome.retryAt).toISOString() } : {}),
        },
        outcome.kind === 'retry' ? 'postback attempt failed; will retry' : 'postback attempt failed; postback failed',
      )
    },
  }
}
