// A DeliveryHandler for the store contract: it records what the store hands it and finishes each
// attempt when the test says so, so the tests can see exactly what is in flight. An answer may
// also be what a receiver said, judged by the service's own attempt rules (makeAttempt).
import { makeAttempt } from '../../src/postbacks/attempt.js'
import type { AttemptResult, HttpClient } from '../../src/postbacks/delivery/http-client.js'
import { createSigning } from '../../src/postbacks/delivery/signing.js'
import type { LoadSignal } from '../../src/postbacks/destination-window.js'
import type { DestinationEvent } from '../../src/destinations/types.js'
import type { DeliveryHandler, DeliveryReport, EndedPostback } from '../../src/postbacks/store.js'
import type { AttemptOutcome, DueDelivery } from '../../src/postbacks/types.js'

/** What a receiver said: a status, or a network error or timeout. */
export type ReceiverAnswer = Omit<AttemptResult, 'startedAt' | 'durationMs'>

type Answer =
  | 'completed'
  | 'failed'
  | { retryInMs: number }
  | { holdMs: number }
  | { notSentForMs: number }
  | { receiver: ReceiverAnswer }
  | 'hold'

const BACKOFF_MS = 10

export class FakeHandler implements DeliveryHandler {
  readonly concurrency: number
  readonly started: DueDelivery[] = []
  readonly ended: EndedPostback[] = []
  readonly errors: unknown[] = []
  readonly events: DestinationEvent[] = []
  /** what onEnded answers: by default done at once; a test may hold it to see the store keep the end */
  endHandled: (ended: EndedPostback) => Promise<void> | void = () => undefined
  /** what each new attempt does; the default completes at once */
  answer: (delivery: DueDelivery) => Answer = () => 'completed'
  load: LoadSignal | undefined
  readonly #held = new Map<string, (report: DeliveryReport) => void>()

  constructor(concurrency: number) {
    this.concurrency = concurrency
  }

  /** Attempts started and not finished yet. */
  get inFlight(): string[] {
    return [...this.#held.keys()]
  }

  startedFor = (destination: string) => this.started.filter((d) => d.destination === destination)

  deliver(delivery: DueDelivery, shutdown: AbortSignal): Promise<DeliveryReport> {
    this.started.push(delivery)
    const answer = this.answer(delivery)
    if (typeof answer === 'object' && 'receiver' in answer) return judged(delivery, answer.receiver, shutdown)
    if (answer !== 'hold') return Promise.resolve(this.#report(answer))
    return new Promise((resolve) => {
      this.#held.set(delivery.id, resolve)
      shutdown.addEventListener('abort', () => {
        if (this.#held.has(delivery.id)) this.finish(delivery.id, { retryInMs: 0 })
      })
    })
  }

  /** Ends a held attempt. */
  finish(id: string, answer: Exclude<Answer, 'hold' | { receiver: ReceiverAnswer }> = 'completed'): void {
    const resolve = this.#held.get(id)
    if (!resolve) throw new Error(`no attempt of ${id} is held`)
    this.#held.delete(id)
    resolve(this.#report(answer))
  }

  onEnded(ended: EndedPostback): Promise<void> | void {
    this.ended.push(ended)
    return this.endHandled(ended)
  }

  onDestinationEvent(event: DestinationEvent): void {
    this.events.push(event)
  }

  reportError(error: unknown): void {
    this.errors.push(error)
  }

  #report(answer: Exclude<Answer, 'hold' | { receiver: ReceiverAnswer }>): DeliveryReport {
    if (typeof answer === 'object' && 'notSentForMs' in answer) {
      return { notSent: { until: Date.now() + answer.notSentForMs, error: 'SIGNING_SECRET_INVALID: not signed' } }
    }
    const attempt = { at: new Date().toISOString(), durationMs: 1 }
    let outcome: AttemptOutcome
    if (answer === 'completed') outcome = { kind: 'completed', attempt: { ...attempt, statusCode: 200 } }
    else if (answer === 'failed') outcome = { kind: 'failed', attempt: { ...attempt, statusCode: 500, error: 'HTTP 500' } }
    else if ('holdMs' in answer) {
      const retryAt = Date.now() + answer.holdMs
      return { outcome: { kind: 'retry', attempt: { ...attempt, statusCode: 429 }, retryAt }, load: 'overload', streak: 'fail', holdUntil: retryAt }
    } else outcome = { kind: 'retry', attempt: { ...attempt, statusCode: 503, error: 'HTTP 503' }, retryAt: Date.now() + answer.retryInMs }
    const load = this.load ?? (answer === 'completed' ? 'success' : 'failure')
    return { outcome, load, streak: answer === 'completed' ? 'ok' : 'fail' }
  }
}

/** The report of an attempt the receiver answered with `answer`, as the service makes it. */
function judged(delivery: DueDelivery, answer: ReceiverAnswer, shutdown: AbortSignal): Promise<DeliveryReport> {
  const http: HttpClient = {
    send: async () => ({ startedAt: Date.now(), durationMs: 1, ...answer }),
    close: async () => undefined,
  }
  const signing = createSigning({ globalSecrets: [], graceMs: 0 })
  return makeAttempt(delivery, shutdown, { http, signing, userAgent: 'contract-test', backoffMs: BACKOFF_MS, signingWaitMs: BACKOFF_MS })
}
