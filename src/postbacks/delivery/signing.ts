// Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify
// `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<body>` with the shared secret.
// A destination may have a secret of its own; for SIGNING_ROTATION_GRACE_MS after its secret
// changes, deliveries carry two signatures, new first (`v1,<new> v1,<old>`), so receivers can
// switch at their own pace. At most two are sent.
import { Webhook } from 'standardwebhooks'
import type { DestinationSigning } from '../types.js'

export type Signer = (id: string, body: string, at: Date) => Record<string, string>

export interface SigningOptions {
  /** POSTBACK_SIGNING_SECRET: one secret, or two (new first) while it is being rotated */
  globalSecrets: string[]
  /** SIGNING_ROTATION_GRACE_MS */
  graceMs: number
}

/** A cache of one Webhook per secret: decoding a secret costs more than signing with it. */
const MAX_CACHED = 1000

export function createSigning({ globalSecrets, graceMs }: SigningOptions) {
  const webhooks = new Map<string, Webhook>()
  const webhookOf = (secret: string) => {
    let found = webhooks.get(secret)
    if (!found) {
      if (webhooks.size >= MAX_CACHED) webhooks.clear()
      found = new Webhook(secret)
      webhooks.set(secret, found)
    }
    return found
  }

  /** The secrets to sign with, new first. */
  function secretsFor(signing: DestinationSigning | undefined, now: number): string[] {
    if (!signing) return globalSecrets.slice(0, 2)
    const current = signing.secret ? [signing.secret] : globalSecrets
    const inGrace = signing.previousSecret && signing.rotatedAt !== undefined && now - signing.rotatedAt < graceMs
    const secrets = inGrace ? [current[0], signing.previousSecret] : current
    return [...new Set(secrets.filter((s): s is string => s !== undefined))].slice(0, 2)
  }

  return {
    secretsFor,

    /** Signs with the destination's secrets; undefined when there is none to sign with. */
    signerFor(signing: DestinationSigning | undefined, now = Date.now()): Signer | undefined {
      const secrets = secretsFor(signing, now)
      if (secrets.length === 0) return undefined
      return (id, body, at) => ({
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': secrets.map((secret) => webhookOf(secret).sign(id, at, body)).join(' '),
      })
    },
  }
}

export type Signing = ReturnType<typeof createSigning>

/** POSTBACK_SIGNING_SECRET as a list (empty when unset). */
export const globalSecretsOf = (value: string | undefined): string[] => (value ? value.split(' ').filter(Boolean) : [])
