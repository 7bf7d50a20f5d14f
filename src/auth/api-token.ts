// The service token: checked in constant time, from `Bearer <token>` or the raw token.
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (value: string) => createHash('sha256').update(value).digest()

export type TokenCheck = (candidate: string | undefined) => boolean

/** Hashing both sides first makes the comparison constant-time whatever the lengths. */
export function createTokenCheck(apiToken: string): TokenCheck {
  const expected = digest(apiToken)
  return (candidate) => candidate !== undefined && candidate !== '' && timingSafeEqual(digest(candidate), expected)
}

/** The token in an Authorization header value: `Bearer <token>` or the token alone. */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const value = header.trim()
  const match = /^bearer\s+(.+)$/i.exec(value)
  return match ? match[1]!.trim() : value
}
