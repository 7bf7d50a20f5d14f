// What an idempotent request asked for, reduced to a digest: a repeat with the same key must
// ask for the same thing (SPEC §4.3), whatever order its JSON keys or header names came in.
import { createHash } from 'node:crypto'
import type { HttpMethod } from './types.js'

export interface Request {
  url: string
  method: HttpMethod
  headers: Record<string, string>
  payload: unknown
}

export function fingerprintOf({ url, method, headers, payload }: Request): string {
  const lowered = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value] as const)
  const canonical = JSON.stringify([url, method, sortedEntries(Object.fromEntries(lowered)), canonicalJson(payload)])
  return createHash('sha256').update(canonical).digest('base64url')
}

/** The value with every object's keys in order (request bodies are at most 64 levels deep). */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson)
  if (value !== null && typeof value === 'object') {
    return sortedEntries(value as Record<string, unknown>).map(([key, item]) => [key, canonicalJson(item)])
  }
  return value
}

const sortedEntries = <T>(object: Record<string, T>): [string, T][] =>
  Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
