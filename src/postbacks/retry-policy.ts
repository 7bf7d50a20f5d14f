// When to try a postback again: pure functions of the attempt's result, tested on their own.
import { STATUS_CODES } from 'node:http'
import type { AttemptResult } from './delivery/http-client.js'
import type { AttemptOutcome } from './types.js'

/** Longest wait a receiver's Retry-After may impose before the next attempt. */
export const RETRY_AFTER_CAP_MS = 3_600_000

/** ±20 % jitter keeps retries of many postbacks from arriving in lock-step, yet each gap still doubles. */
const JITTER = 0.2

/**
 * Delay before the retry that follows failed attempt number `failedAttempt` (1-based):
 * backoffMs × 2^(failedAttempt−1), spread by the jitter.
 */
export function backoffDelay(failedAttempt: number, backoffMs: number, random: () => number = Math.random): number {
  const base = backoffMs * 2 ** (failedAttempt - 1)
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()))
}

/** A receiver that answers 2xx has the postback. */
export function isSuccess(result: AttemptResult): boolean {
  return result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300
}

/** 410 Gone means the endpoint is gone for good; a blocked destination never becomes allowed by waiting. */
export function isRetryable(result: AttemptResult): boolean {
  return !result.permanent && result.statusCode !== 410
}

/**
 * Why an attempt failed, in words: the client's error, or what the status means
 * ("HTTP 410 Gone: the receiver says the endpoint is gone").
 */
export function failureReason(result: AttemptResult): string {
  if (result.error !== undefined || result.statusCode === undefined) return result.error ?? 'No answer'
  const code = result.statusCode
  const status = `HTTP ${code} ${STATUS_CODES[code] ?? ''}`.trimEnd()
  if (code === 410) return `${status}: the receiver says the endpoint is gone`
  if (code >= 300 && code < 400) return `${status}: redirects are not followed`
  if (result.retryAfterMs !== undefined) return `${status}: retry after ${Math.round(result.retryAfterMs / 1000)} s`
  return status
}

export interface RetryPolicy {
  backoffMs: number
  random?: () => number
}

/** Turns the result of attempt number `attemptNumber` (1-based) into what happens next. */
export function decideOutcome(
  result: AttemptResult,
  attemptNumber: number,
  maxAttempts: number,
  policy: RetryPolicy,
): AttemptOutcome {
  const attempt = {
    at: new Date(result.startedAt).toISOString(),
    durationMs: result.durationMs,
    ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
    ...(isSuccess(result) ? {} : { error: failureReason(result) }),
    ...(result.responseBody === undefined ? {} : { responseBody: result.responseBody }),
  }
  if (isSuccess(result)) return { kind: 'completed', attempt }
  if (!isRetryable(result) || attemptNumber >= maxAttempts) return { kind: 'failed', attempt }
  const backoff = backoffDelay(attemptNumber, policy.backoffMs, policy.random)
  const delay = Math.max(backoff, Math.min(result.retryAfterMs ?? 0, RETRY_AFTER_CAP_MS))
  return { kind: 'retry', attempt, retryAt: result.startedAt + result.durationMs + delay }
}
