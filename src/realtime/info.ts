// A socket's `info` (SPEC §9): a JSON object of at most 1024 bytes, shown to a presence channel's
// other members. Checked where it enters: the token route and the API-token handshake.
import { INFO_MAX_BYTES } from './schemas/names.js'

export type Info = Record<string, unknown>

const isObject = (value: unknown): value is Info => value !== null && typeof value === 'object' && !Array.isArray(value)

/** Why `value` cannot be a socket's info; undefined when it can. */
export function infoProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'info must be a JSON object'
  if (Buffer.byteLength(JSON.stringify(value)) > INFO_MAX_BYTES) return `info must be at most ${INFO_MAX_BYTES} bytes of JSON`
  return undefined
}
