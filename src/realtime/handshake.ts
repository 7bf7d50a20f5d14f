// Who a connecting socket is: its token, channel and userId, read from the Socket.IO handshake.
// The API token may connect as anyone; a client token only as its user and to its channels.
import { codes, type ErrorCode } from '../errors.js'
import { randomUUID } from 'node:crypto'
import { tokenFromAuthorization, type TokenCheck } from '../auth/api-token.js'
import { ClientTokenError, type ClientTokens } from '../auth/client-tokens.js'
import { channelRefusal } from './channel-access.js'
import { infoProblem, type Info } from './info.js'

export interface Handshake {
  auth: Record<string, unknown>
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
}

export interface Identity {
  channel: string
  userId: string
  /** the channels a client token allows; undefined for the API token (any channel) */
  allowedChannels?: string[]
  tokenKind: 'api' | 'client'
  info: Info | null
}

/** Refuses a connection; the client sees `connect_error` with this message and `data`. */
export class ConnectionRefused extends Error {
  readonly data: { error: ErrorCode; message: string }
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.data = { error: code, message }
  }
}

export interface HandshakeAuth {
  checkApiToken: TokenCheck
  clientTokens: ClientTokens
}

export async function identify(handshake: Handshake, auth: HandshakeAuth): Promise<Identity> {
  const token = tokenOf(handshake)
  const channel = nameOf(handshake, 'channel')
  const userId = nameOf(handshake, 'userId')
  if (auth.checkApiToken(token)) {
    return { channel: channel ?? generated('channel'), userId: userId ?? generated('user'), tokenKind: 'api', info: apiInfo(handshake) }
  }
  if (token === undefined || token.split('.').length !== 3) {
    throw new ConnectionRefused(codes.UNAUTHORIZED, 'A valid token is required to connect')
  }
  let scope
  try {
    scope = await auth.clientTokens.verify(token)
  } catch (error) {
    if (error instanceof ClientTokenError) throw new ConnectionRefused(error.code, error.message)
    throw error
  }
  if (userId !== undefined && userId !== scope.userId) {
    throw new ConnectionRefused(codes.FORBIDDEN, `userId "${userId}" is not the user this token was made for`)
  }
  const allowed = scope.channels
  const chosen = channel ?? allowed?.[0] ?? generated('channel')
  const outOfScope = channelRefusal({ tokenKind: 'client', allowedChannels: allowed }, chosen)
  if (outOfScope) throw new ConnectionRefused(codes.FORBIDDEN, outOfScope)
  // Only the token's info counts: auth.info is the browser's to set.
  const identity: Identity = { channel: chosen, userId: scope.userId, tokenKind: 'client', info: scope.info ?? null }
  return allowed ? { ...identity, allowedChannels: allowed } : identity
}

/** auth.info of an API-token connection: optional, and refused when it is not a small JSON object. */
function apiInfo(handshake: Handshake): Info | null {
  const info = handshake.auth.info
  if (info === undefined || info === null) return null
  const problem = infoProblem(info)
  if (problem) throw new ConnectionRefused(codes.VALIDATION_ERROR, `auth.${problem}`)
  return info as Info
}

/** The token from `auth.token`, the `token` query parameter or the Authorization header. */
export function tokenOf(handshake: Handshake): string | undefined {
  const fromAuth = handshake.auth.token
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth
  const fromQuery = handshake.query.token
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery
  const header = handshake.headers.authorization
  return typeof header === 'string' ? tokenFromAuthorization(header) : undefined
}

export const NAME_MAX_LENGTH = 200
/** No control characters: the rule for channels and userIds here and in the route schemas. */
export const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$'
const VALID_NAME = new RegExp(NAME_PATTERN, 'u')

/**
 * Whether a channel or userId is acceptable: 1–200 characters, counted as the route schemas count
 * them (code points), and no control characters.
 */
export function isValidName(value: unknown): value is string {
  if (typeof value !== 'string' || !VALID_NAME.test(value)) return false
  const length = [...value].length
  return length > 0 && length <= NAME_MAX_LENGTH
}

/** A channel or userId from the query, if given. */
function nameOf(handshake: Handshake, key: 'channel' | 'userId'): string | undefined {
  const value = handshake.query[key]
  if (value === undefined || value === '') return undefined
  if (!isValidName(value)) {
    throw new ConnectionRefused(
      codes.VALIDATION_ERROR,
      `${key} must be given once, with at most ${NAME_MAX_LENGTH} characters and no control characters`,
    )
  }
  return value
}

const generated = (kind: 'channel' | 'user') => `${kind}-${randomUUID()}`
