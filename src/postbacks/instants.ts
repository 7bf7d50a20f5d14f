// The instants a request may name and the times a store gives back. Every accepted date-time
// lies in years 0000–9999 in UTC, so it always converts back to an RFC 3339 date-time; a stored
// time outside that range (written by an older version) reads as the nearest end of it instead
// of failing every read that meets it.
import { ValidationError } from '../errors.js'

/** The ends of the range, as the 400 names them. */
export const EARLIEST = '0000-01-01T00:00:00.000Z'
export const LATEST = '9999-12-31T23:59:59.999Z'
const EARLIEST_MS = Date.parse(EARLIEST)
const LATEST_MS = Date.parse(LATEST)

/** The most a first attempt may be put off, by delayMs or runAt: 365 days. */
export const MAX_DELAY_MS = 31_536_000_000

/** The epoch ms of the date-time a request gave in `field`; a 400 outside the range. */
export function instantOf(field: string, value: string): number {
  const ms = Date.parse(value)
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) throw new ValidationError(`${field} must be within ${EARLIEST} to ${LATEST}`)
  return ms
}

/** A stored time (epoch ms) as a date-time, never failing: one outside the range reads as its nearest end. */
export function isoOf(ms: number): string {
  return new Date(Number.isNaN(ms) ? EARLIEST_MS : Math.min(LATEST_MS, Math.max(EARLIEST_MS, ms))).toISOString()
}
