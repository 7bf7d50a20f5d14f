// One delivery attempt, from a due postback to the report the store records: the request goes
// out signed with its destination's secrets, and the answer is judged by the retry policy and
// read for the destination's load, health and any Retry-After hold. A request that cannot be
// signed does not go out, and counts as nothing the receiver did.
import { streakSignalOf } from '../destinations/health.js'
import type { AttemptResult, HttpClient } from './delivery/http-client.js'
import { buildRequest } from './delivery/request.js'
import type { Signing } from './delivery/signing.js'
import { loadSignalOf } from './destination-window.js'
import { RETRY_AFTER_CAP_MS, decideOutcome } from './retry-policy.js'
import type { DeliveryReport } from './store.js'
import type { DueDelivery } from './types.js'

export interface AttemptOptions {
  http: HttpClient
  signing: Signing
  userAgent: string
  backoffMs: number
  /** how long a destination whose secrets cannot sign waits before it is tried again (DESTINATION_PROBE_MS) */
  signingWaitMs: number
}

export async function makeAttempt(delivery: DueDelivery, shutdown: AbortSignal, options: AttemptOptions): Promise<DeliveryReport> {
  const signature = options.signing.signatureFor(delivery)
  if (signature.kind === 'unusable') return { notSent: { until: Date.now() + options.signingWaitMs, error: signature.reason } }
  let result: AttemptResult
  try {
    const request = buildRequest(delivery, options.userAgent, signature.kind === 'signed' ? signature.sign : undefined)
    result = await options.http.send(request, delivery, shutdown)
  } catch (error) {
    result = { startedAt: Date.now(), durationMs: 0, error: error instanceof Error ? error.message : String(error) }
  }
  // A probe of a quarantined destination spends none of the postback's attempts.
  const budget = delivery.probe ? Number.POSITIVE_INFINITY : delivery.maxAttempts
  const outcome = decideOutcome(result, delivery.attemptsMade + 1, budget, { backoffMs: options.backoffMs })
  if (delivery.probe) outcome.attempt.probe = true
  return {
    outcome,
    load: loadSignalOf(result),
    streak: streakSignalOf(result),
    ...(result.retryAfterMs === undefined
      ? {}
      : { holdUntil: result.startedAt + result.durationMs + Math.min(result.retryAfterMs, RETRY_AFTER_CAP_MS) }),
  }
}
