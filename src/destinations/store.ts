// The seam between the destinations domain and where their settings and state live. The drivers
// keep them next to the postbacks (the same SQLite file, the same Redis), because every claim of
// a postback reads them: a paused destination gets no attempts, a quarantined one only probes.
import type { DestinationSettings, SettingsPatch } from './types.js'

/** What a driver knows of one destination. */
export interface DestinationRecord {
  destination: string
  settings: DestinationSettings
  pausedAt: number | null
  quarantinedAt: number | null
  /** when it last became active (or was first seen) */
  activeSince: number | null
  inFlight: number
  limit: number
  failureRate: number
  pending: number
  lastAttemptAt: number | null
  lastError: string | null
  hasSecret: boolean
  /** when its signing secret last changed */
  rotatedAt: number | null
}

export interface Secrets {
  /** its own secret, if it has one */
  secret: string | null
  previousSecret: string | null
  rotatedAt: number | null
}

export interface DestinationStore {
  /** Destinations with postbacks pending or in flight, seen within the retention, or with settings. */
  list(): Promise<DestinationRecord[]>
  /** undefined when the store knows nothing of it. */
  get(destination: string): Promise<DestinationRecord | undefined>
  /** Changes settings (null clears one) and answers the destination as it now stands. */
  configure(destination: string, patch: SettingsPatch, now: number): Promise<DestinationRecord>
  /** true when the destination was not paused before. */
  pause(destination: string, now: number): Promise<boolean>
  /** true when the destination was paused. */
  resume(destination: string, now: number): Promise<boolean>
  secrets(destination: string): Promise<Secrets>
  /** Sets its own secret (null: back to the global one); the one in use before becomes the previous. */
  rotateSecret(destination: string, secret: string | null, previous: string | null, now: number): Promise<void>
}
