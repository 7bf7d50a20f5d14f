// Turns a validated request into a postback ready to store: the checks a JSON schema cannot
// make, the server's defaults and limits, and the SSRF refusal of literal local destinations.
import { randomUUID } from 'node:crypto'
import { ValidationError } from '../errors.js'
import { literalBlockReason } from './delivery/ssrf-guard.js'
import { destinationOf } from '../destinations/canonical.js'
import { fingerprintOf } from './fingerprint.js'
import { MAX_DELAY_MS, instantOf } from './instants.js'
import type { EnqueueBody } from './schemas.js'
import type { NewPostback } from './types.js'

export interface PostbackRules {
  maxAttempts: number
  timeoutMs: number
  /** the most a caller may ask for; never below the defaults above */
  maxAttemptsLimit: number
  timeoutLimitMs: number
  blockPrivateNetworks: boolean
}

export function newPostback(
  input: EnqueueBody,
  idempotencyHeader: string | undefined,
  rules: PostbackRules,
  now: number,
): NewPostback {
  const url = parsePostbackUrl(input.postbackUrl, rules.blockPrivateNetworks)
  const idempotencyKey = pickIdempotencyKey(idempotencyHeader, input.idempotencyKey)
  const method = input.method ?? 'POST'
  const headers = checkHeaders(input.headers ?? {})
  return {
    id: newPostbackId(now),
    url: input.postbackUrl,
    destination: destinationOf(url),
    method,
    headers,
    body: JSON.stringify(input.payload),
    maxAttempts: bounded('maxAttempts', input.maxAttempts, rules.maxAttempts, rules.maxAttemptsLimit, 'POSTBACK_MAX_ATTEMPTS_LIMIT'),
    timeoutMs: bounded('timeoutMs', input.timeoutMs, rules.timeoutMs, rules.timeoutLimitMs, 'POSTBACK_TIMEOUT_LIMIT_MS'),
    timeoutGiven: input.timeoutMs !== undefined,
    createdAt: now,
    runAt: firstAttemptAt(input, now),
    ...callbacks(input, rules.blockPrivateNetworks),
    ...(input.orderingKey === undefined ? {} : { orderingKey: input.orderingKey }),
    ...(idempotencyKey === undefined
      ? {}
      : { idempotencyKey, fingerprint: fingerprintOf({ url: input.postbackUrl, method, headers, payload: input.payload }) }),
    ...(input.notify === undefined ? {} : { notify: input.notify }),
  }
}

/**
 * Ids look like `<epoch ms>-<9 random base-36 characters>`, the format clients already store. The
 * random part comes from randomUUID, which Node serves from a buffered pool (one system call per
 * many ids).
 */
export function newPostbackId(now: number): string {
  const uuid = randomUUID()
  const random = Number.parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16).toString(36).padStart(9, '0').slice(-9)
  return `${now}-${random}`
}

export function parsePostbackUrl(value: string, blockPrivateNetworks: boolean, field = 'postbackUrl'): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError(`${field} must be an absolute http or https URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`${field} must use http or https`)
  }
  if (url.username || url.password) {
    throw new ValidationError(`${field} must not contain credentials; send them in headers instead`)
  }
  const blocked = blockPrivateNetworks ? literalBlockReason(url) : undefined
  if (blocked !== undefined) throw new ValidationError(`${field} is not allowed: ${blocked}`)
  return url
}

/** The callback URLs, checked by the same rules as postbackUrl (they are postbacks too). */
function callbacks(input: EnqueueBody, blockPrivateNetworks: boolean): Pick<NewPostback, 'callbackUrl' | 'failureCallbackUrl'> {
  const found: Pick<NewPostback, 'callbackUrl' | 'failureCallbackUrl'> = {}
  for (const field of ['callbackUrl', 'failureCallbackUrl'] as const) {
    const value = input[field]
    if (value === undefined) continue
    parsePostbackUrl(value, blockPrivateNetworks, field)
    found[field] = value
  }
  return found
}

function pickIdempotencyKey(header: string | undefined, field: string | undefined): string | undefined {
  if (header !== undefined && (header.length === 0 || header.length > 255)) {
    throw new ValidationError('Idempotency-Key header must be 1 to 255 characters')
  }
  if (header !== undefined && field !== undefined && header !== field) {
    throw new ValidationError('Idempotency-Key header and idempotencyKey differ; send one of them')
  }
  return header ?? field
}

function bounded(field: string, value: number | undefined, fallback: number, limit: number, limitName: string): number {
  if (value === undefined) return fallback
  const max = Math.max(limit, fallback)
  if (value > max) throw new ValidationError(`${field} must be at most ${max} (the server's ${limitName})`)
  return value
}

function firstAttemptAt(input: EnqueueBody, now: number): number {
  if (input.delayMs !== undefined && input.runAt !== undefined) {
    throw new ValidationError('give delayMs or runAt, not both')
  }
  if (input.delayMs !== undefined) return now + input.delayMs
  if (input.runAt === undefined) return now
  if (Date.parse(input.runAt) > now + MAX_DELAY_MS) {
    throw new ValidationError(`runAt must be at most ${MAX_DELAY_MS} ms (365 days) from now, as far ahead as delayMs may go`)
  }
  return Math.max(now, instantOf('runAt', input.runAt))
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** Set by the HTTP client or forbidden by it; a caller's value would break the request. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
])

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(`headers: "${name}" is not a valid header name`)
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ValidationError(`headers: "${name}" is set by the server and cannot be given`)
    }
    if (!HEADER_VALUE.test(value)) {
      throw new ValidationError(`headers: the value of "${name}" contains characters not allowed in a header`)
    }
  }
  return headers
}
