// Who a connecting socket is: its token, channel and userId, read from the Socket.IO handshake.
import { randomUUID } from 'node:crypto'
import { tokenFromAuthorization } from '../auth/api-token.js'

export interface Handshake {
  auth: Record<string, unknown>
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
}

/** Refuses a connection; the client sees `connect_error` with this message and `data`. */
export class ConnectionRefused extends Error {
  readonly data: { error: string; message: string }
  constructor(code: string, message: string) {
    super(message)
    this.data = { error: code, message }
  }
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
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** A channel or userId from the query; generated when absent. */
export function nameOf(handshake: Handshake, key: 'channel' | 'userId'): string {
  const value = handshake.query[key]
  if (value === undefined || value === '') return `${key === 'channel' ? 'channel' : 'user'}-${randomUUID()}`
  if (typeof value !== 'string') throw new ConnectionRefused('VALIDATION_ERROR', `${key} must be given once`)
  if (value.length > NAME_MAX_LENGTH || CONTROL.test(value)) {
    throw new ConnectionRefused(
      'VALIDATION_ERROR',
      `${key} must be at most ${NAME_MAX_LENGTH} characters without control characters`,
    )
  }
  return value
}
