// Start-up failures an operator can fix, each told in one line that names the setting to change,
// never as a stack trace (SPEC §2). Errors are recognised by their class and code.
import type { Config } from './config.js'
import { ConfigError } from './config.js'
import { StoreStartError } from './postbacks/store.js'

type Failure = Error & { code?: string }

/** The one line for a failure while building the app; the store drivers word their own (StoreStartError). */
export function buildFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof StoreStartError) return error.message
  return unexpected(error)
}

/** The one line for a failure to listen on HOST:PORT. */
export function listenFailure(error: unknown, config: Config): string {
  const { code } = error as Failure
  const address = `${config.HOST}:${config.PORT}`
  switch (code) {
    case 'EADDRINUSE':
      return `PORT ${config.PORT} is already in use on ${config.HOST}: stop the process using it or set another PORT`
    case 'EACCES':
      return `Not allowed to listen on ${address}: ports below 1024 need privileges; set PORT to 1024 or above`
    case 'EADDRNOTAVAIL':
      return `Invalid HOST=${config.HOST}: it is not an address of this machine (EADDRNOTAVAIL)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `Invalid HOST=${config.HOST}: the name does not resolve (${code})`
    default:
      return unexpected(error)
  }
}

function unexpected(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return `Start-up failed: ${message.split('\n')[0]}`
}
