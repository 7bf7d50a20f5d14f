// Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify
// `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<body>` with the shared secret.
// A destination may have a secret of its own; for SIGNING_ROTATION_GRACE_MS after its secret
// changes, deliveries carry two signatures, new first (`v1,<new> v1,<old>`), so receivers can
// switch at their own pace. At most two are sent.
//
// A secret is `whsec_` and standard base64 that decodes exactly. One an earlier version stored
// without that check is skipped (an error line, a /health problem) and the other secret signs;
// when none of a destination's secrets can sign, its deliveries are not sent at all (a receiver
// that checks signatures would refuse them unsigned) and wait for a secret that can.
import { Webhook } from 'standardwebhooks'
import { codes } from '../../errors.js'
import type { StoreProblem } from '../store.js'
import type { DestinationSigning, DueDelivery } from '../types.js'

export type Signer = (id: string, body: string, at: Date) => Record<string, string>

/** How a delivery goes out: unsigned (no secret applies), signed, or not at all (none of its secrets can sign). */
export type Signature = { kind: 'unsigned' } | { kind: 'signed'; sign: Signer } | { kind: 'unusable'; reason: string }

export interface SigningOptions {
  /** POSTBACK_SIGNING_SECRET: one secret, or two (new first) while it is being rotated */
  globalSecrets: string[]
  /** SIGNING_ROTATION_GRACE_MS */
  graceMs: number
  /** A destination's stored secret does not decode and is skipped (told once until it is fixed). */
  onUnusableSecret?: (destination: string) => void
}

/** The shortest secret accepted from now on, decoded (Standard Webhooks secrets are 24 to 64 bytes). */
export const MIN_SECRET_BYTES = 24

export const SECRET_FORMAT = 'whsec_ followed by standard base64 (A-Z, a-z, 0-9, + and /, with = padding)'

/** How to make a good one, for messages. */
export const SECRET_HINT = 'make one with: echo "whsec_$(openssl rand -base64 32)"'

/** The number of bytes a secret decodes to; undefined when it does not decode exactly. */
export function secretBytes(secret: string): number | undefined {
  if (!secret.startsWith('whsec_')) return undefined
  const encoded = secret.slice('whsec_'.length)
  const bytes = Buffer.from(encoded, 'base64')
  // Node's decoder skips what it does not understand: only text that encodes back the same is exact.
  return bytes.length > 0 && bytes.toString('base64') === encoded ? bytes.length : undefined
}

/** A cache of one Webhook per secret: decoding a secret costs more than signing with it. */
const MAX_CACHED = 1000

export function createSigning({ globalSecrets, graceMs, onUnusableSecret }: SigningOptions) {
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
  /** Destinations whose stored secret was skipped, since when (epoch ms). */
  const unusable = new Map<string, number>()

  /** The secrets to sign with, new first. */
  function secretsFor(signing: DestinationSigning | undefined, now: number): string[] {
    if (!signing) return globalSecrets.slice(0, 2)
    const current = signing.secret ? [signing.secret] : globalSecrets
    const inGrace = signing.previousSecret && signing.rotatedAt !== undefined && now - signing.rotatedAt < graceMs
    const secrets = inGrace ? [current[0], signing.previousSecret] : current
    return [...new Set(secrets.filter((s): s is string => s !== undefined))].slice(0, 2)
  }

  /** Notes (once) or clears the destination's problem. */
  function note(destination: string, skipped: boolean, now: number): void {
    if (!skipped) unusable.delete(destination)
    else if (!unusable.has(destination)) {
      unusable.set(destination, now)
      onUnusableSecret?.(destination)
    }
  }

  return {
    /** How a delivery to this destination is signed now. */
    signatureFor({ destination, signing }: Pick<DueDelivery, 'destination' | 'signing'>, now = Date.now()): Signature {
      const wanted = secretsFor(signing, now)
      if (wanted.length === 0) return { kind: 'unsigned' }
      const secrets = wanted.filter((secret) => secretBytes(secret) !== undefined)
      note(destination, secrets.length < wanted.length, now)
      if (secrets.length === 0) {
        return {
          kind: 'unusable',
          reason:
            `${codes.SIGNING_SECRET_INVALID}: the signing secret of ${destination} does not decode, so nothing is sent to it; ` +
            'set a new one with POST /api/destinations/:destination/secret',
        }
      }
      const sign: Signer = (id, body, at) => ({
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': secrets.map((secret) => webhookOf(secret).sign(id, at, body)).join(' '),
      })
      return { kind: 'signed', sign }
    },

    /** A destination with a stored secret that does not decode, for /health. */
    problems(): StoreProblem[] {
      if (unusable.size === 0) return []
      const names = [...unusable.keys()]
      const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')
      return [
        {
          code: codes.SIGNING_SECRET_INVALID,
          message: `A stored signing secret does not decode and is skipped (${shown}): set a new one with POST /api/destinations/:destination/secret`,
          since: new Date(Math.min(...unusable.values())).toISOString(),
        },
      ]
    },
  }
}

export type Signing = ReturnType<typeof createSigning>

/** POSTBACK_SIGNING_SECRET as a list (empty when unset). */
export const globalSecretsOf = (value: string | undefined): string[] => (value ? value.split(' ').filter(Boolean) : [])
