// The destinations domain: what the API reads and changes about the receivers postbacks go to
// (SPEC §7), and the operations events that changes of their state raise.
import { randomBytes } from 'node:crypto'
import { NotFoundError, ValidationError } from '../errors.js'
import { MIN_SECRET_BYTES, SECRET_FORMAT, SECRET_HINT, secretBytes } from '../postbacks/delivery/signing.js'
import { canonicalDestination } from './canonical.js'
import type { DestinationRecord, DestinationStore } from './store.js'
import type { DestinationEvent, DestinationView, SettingsPatch } from './types.js'

export interface DestinationServiceOptions {
  store: DestinationStore
  /** POSTBACK_SIGNING_SECRET's secrets, new first */
  globalSecrets: string[]
  /** SIGNING_ROTATION_GRACE_MS */
  graceMs: number
  /** a destination was paused or resumed through the API */
  onEvent(event: DestinationEvent): void
}

export type DestinationService = ReturnType<typeof createDestinationService>

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function createDestinationService(options: DestinationServiceOptions) {
  const { store } = options

  function view(record: DestinationRecord, now = Date.now()): DestinationView {
    const state = record.pausedAt !== null ? 'paused' : record.quarantinedAt !== null ? 'quarantined' : 'active'
    const since = state === 'paused' ? record.pausedAt : state === 'quarantined' ? record.quarantinedAt : record.activeSince
    return {
      destination: record.destination,
      state,
      stateSince: iso(since),
      inFlight: record.inFlight,
      limit: record.limit,
      failureRate: record.failureRate,
      pending: record.pending,
      lastAttemptAt: iso(record.lastAttemptAt),
      lastError: record.lastError,
      settings: record.settings,
      signing: {
        rotating: record.rotatedAt !== null && now - record.rotatedAt < options.graceMs,
        rotatedAt: iso(record.rotatedAt),
      },
    }
  }

  async function current(destination: string): Promise<DestinationView> {
    const record = await store.get(destination)
    if (!record) throw new NotFoundError(`No destination ${destination}`)
    return view(record)
  }

  /**
   * The secret a receiver verifies with now, which becomes the previous one after a rotation; a
   * stored one that does not decode (an earlier version took it) signed nothing and is dropped.
   */
  async function secretInUse(destination: string): Promise<string | null> {
    const { secret } = await store.secrets(destination)
    if (secret !== null) return secretBytes(secret) === undefined ? null : secret
    return options.globalSecrets[0] ?? null
  }

  async function changeState(destination: string, change: 'pause' | 'resume', reason: string): Promise<DestinationView> {
    const now = Date.now()
    if (await store[change](destination, now)) {
      options.onEvent({ event: change === 'pause' ? 'destination.paused' : 'destination.resumed', destination, reason, at: now })
    }
    return current(destination)
  }

  return {
    /** Busiest first: attempts in flight, then postbacks pending. */
    async list(): Promise<DestinationView[]> {
      const now = Date.now()
      return (await store.list())
        .map((record) => view(record, now))
        .sort((a, b) => b.inFlight - a.inFlight || b.pending - a.pending || a.destination.localeCompare(b.destination))
    },

    get: (destination: string) => current(canonicalDestination(destination)),

    async configure(destination: string, patch: SettingsPatch): Promise<DestinationView> {
      return view(await store.configure(canonicalDestination(destination), patch, Date.now()))
    },

    pause: (destination: string) => changeState(canonicalDestination(destination), 'pause', 'paused through the API'),

    resume: (destination: string) => changeState(canonicalDestination(destination), 'resume', 'resumed through the API'),

    /** Gives the destination a secret of its own (made here unless given); answers it. */
    async rotateSecret(destination: string, given?: string): Promise<{ secret: string }> {
      const name = canonicalDestination(destination)
      if (given !== undefined) checkSecret(given)
      const secret = given ?? `whsec_${randomBytes(32).toString('base64')}`
      await store.rotateSecret(name, secret, await secretInUse(name), Date.now())
      return { secret }
    },

    async secret(destination: string): Promise<{ secret: string }> {
      const { secret } = await store.secrets(canonicalDestination(destination))
      if (secret === null) throw new NotFoundError(`${destination} has no secret of its own`)
      return { secret }
    },

    /** Back to POSTBACK_SIGNING_SECRET, with the same grace for the secret it had. */
    async deleteSecret(destination: string): Promise<DestinationView> {
      const name = canonicalDestination(destination)
      const { secret } = await store.secrets(name)
      if (secret !== null) await store.rotateSecret(name, null, await secretInUse(name), Date.now())
      return current(name)
    },
  }
}

/** A secret given to the API must decode, to at least MIN_SECRET_BYTES (never repeated in the answer). */
function checkSecret(secret: string): void {
  const bytes = secretBytes(secret)
  if (bytes !== undefined && bytes >= MIN_SECRET_BYTES) return
  const got = bytes === undefined ? 'this one does not decode' : `got ${bytes}`
  throw new ValidationError(`secret must be ${SECRET_FORMAT} of at least ${MIN_SECRET_BYTES} bytes once decoded (${got}); ${SECRET_HINT}`)
}
