// Client tokens: short-lived JWTs (HS256) a backend mints for a browser, so the API token never
// leaves the backend. A token names one userId and, optionally, the channels it may use.
import { hkdfSync } from 'node:crypto'
import { SignJWT, errors, jwtVerify } from 'jose'
import { codes } from '../errors.js'

export interface ClientScope {
  userId: string
  /** the channels this token may connect to and subscribe to; undefined: any */
  channels?: string[]
  /** what presence channels show about this user (checked by the caller: a JSON object up to 1 KiB) */
  info?: Record<string, unknown>
}

export interface MintedToken {
  token: string
  expiresAt: string
}

export class ClientTokenError extends Error {
  constructor(
    readonly code: typeof codes.TOKEN_EXPIRED | typeof codes.INVALID_TOKEN,
    message: string,
  ) {
    super(message)
  }
}

const AUDIENCE = 'queue-socket-provider:socket'

/** SOCKET_TOKEN_SECRET when set; otherwise a key derived from API_TOKEN (never the token itself). */
export function clientTokenKey(apiToken: string, secret?: string): Uint8Array {
  if (secret) return new TextEncoder().encode(secret)
  return new Uint8Array(hkdfSync('sha256', apiToken, 'queue-socket-provider', 'socket client tokens', 32))
}

export function createClientTokens(key: Uint8Array) {
  return {
    async mint(scope: ClientScope, expiresInSeconds: number): Promise<MintedToken> {
      const now = Math.floor(Date.now() / 1000)
      const exp = now + expiresInSeconds
      const claims = { ...(scope.channels ? { channels: scope.channels } : {}), ...(scope.info ? { info: scope.info } : {}) }
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(scope.userId)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key)
      return { token, expiresAt: new Date(exp * 1000).toISOString() }
    },

    async verify(token: string): Promise<ClientScope> {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE })
        const { channels, info } = payload
        if (typeof payload.sub !== 'string' || (channels !== undefined && !isStringArray(channels)) || (info !== undefined && !isObject(info))) {
          throw new ClientTokenError(codes.INVALID_TOKEN, 'The token does not name a user and its channels')
        }
        return { userId: payload.sub, ...(channels ? { channels } : {}), ...(info ? { info } : {}) }
      } catch (error) {
        if (error instanceof ClientTokenError) throw error
        if (error instanceof errors.JWTExpired) throw new ClientTokenError(codes.TOKEN_EXPIRED, 'The token has expired')
        throw new ClientTokenError(codes.INVALID_TOKEN, 'The token is not valid')
      }
    },
  }
}

export type ClientTokens = ReturnType<typeof createClientTokens>

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')
