// For receivers: check that a delivery really comes from the service (Standard Webhooks
// signatures), with one secret or, while rotating, the new one and the old one.
import { Webhook, WebhookVerificationError } from 'standardwebhooks'

export { Webhook, WebhookVerificationError }

/** Request headers as Node's http module or the Fetch API hands them over. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const

/**
 * Verifies a delivery against the raw body exactly as received and returns the parsed payload.
 * `secrets` is the `whsec_…` secret, or several while switching secrets: a delivery signed with
 * any of them is accepted. Throws WebhookVerificationError otherwise, or when the timestamp is
 * more than five minutes away from now.
 */
export function verifyWebhook(body: string | Buffer, headers: WebhookHeaders, secrets: string | readonly string[]): unknown {
  const signed = signedHeaders(headers)
  const candidates = typeof secrets === 'string' ? [secrets] : secrets
  if (candidates.length === 0) throw new TypeError('verifyWebhook needs at least one secret')
  let firstFailure: unknown
  for (const secret of candidates) {
    try {
      return new Webhook(secret).verify(body, signed)
    } catch (error) {
      firstFailure ??= error
    }
  }
  throw firstFailure
}

function signedHeaders(headers: WebhookHeaders): Record<string, string> {
  // Header names are case-insensitive; a plain object may spell them either way.
  const lowercase = new Map<string, string | string[] | undefined>(
    headers instanceof Headers ? headers.entries() : Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  )
  const signed: Record<string, string> = {}
  for (const name of SIGNED_HEADERS) {
    const found = lowercase.get(name)
    const value = Array.isArray(found) ? found.join(' ') : found
    if (value === undefined) throw new WebhookVerificationError(`Missing required header ${name}`)
    signed[name] = value
  }
  return signed
}
