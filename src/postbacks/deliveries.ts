// Running deliveries: the store hands due postbacks to this handler, which makes each attempt,
// reports it for metrics and logs, and handles each postback's end (notification, `$ops`,
// callbacks).
import { makeAttempt } from './attempt.js'
import { createEndings } from './endings.js'
import type { EnqueueBody } from './schemas.js'
import type { PostbackServiceOptions } from './service.js'
import type { DeliveryReport } from './store.js'
import type { DueDelivery } from './types.js'

export function createDeliveries(options: PostbackServiceOptions, enqueue: (input: EnqueueBody) => Promise<unknown>) {
  let inFlight = 0

  async function deliver(delivery: DueDelivery, shutdown: AbortSignal): Promise<DeliveryReport> {
    inFlight++
    try {
      const report = await makeAttempt(delivery, shutdown, options)
      // A delivery not sent made no attempt: nothing to count or log (its reason was told once).
      if ('outcome' in report) options.observer?.attempted(report.outcome.attempt.durationMs, report.outcome, delivery)
      return report
    } finally {
      inFlight--
    }
  }

  const ended = createEndings({
    enqueue,
    ...(options.notify ? { notify: options.notify } : {}),
    ...(options.operations ? { operations: options.operations } : {}),
    ...(options.observer ? { ended: options.observer.ended } : {}),
    ...(options.observer?.callbackQueued ? { callbackQueued: options.observer.callbackQueued } : {}),
  })

  return {
    /** Deliveries under way on this instance. */
    inFlight: (): number => inFlight,

    start(): void {
      options.store.consume({
        concurrency: options.concurrency,
        deliver,
        onEnded: (end) =>
          ended(end).catch((error: unknown) => {
            options.onError?.(error)
            throw error
          }),
        ...(options.onDestinationEvent ? { onDestinationEvent: options.onDestinationEvent } : {}),
        reportError: (error) => options.onError?.(error),
      })
    },
  }
}
