// How an error reaches a client that is not answered by the HTTP error handler (a socket ack, a
// batch item): the catalogue's errors (src/errors.ts) with their code and text, anything else as
// INTERNAL_ERROR without its text, as the HTTP handler does.
import { codes } from '../errors.js'

export interface Refusal {
  error: string
  message: string
}

/** An error from the catalogue: it has a stable code and a status, and its text is for clients. */
export const isCatalogued = (error: unknown): error is Error & { code: string; statusCode: number } =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { statusCode?: unknown }).statusCode === 'number'

export function refusalOf(error: unknown): Refusal {
  if (isCatalogued(error)) return { error: error.code, message: error.message }
  return { error: codes.INTERNAL_ERROR, message: 'Internal server error' }
}
