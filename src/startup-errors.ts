// Start-up failures an operator can fix, each told in one line that names the setting to change,
// never as a stack trace (SPEC §2). Errors are recognised by their class and code.
import { resolve } from 'node:path'
import type { Config } from './config.js'
import { ConfigError } from './config.js'
import { DataDirInUseError } from './postbacks/stores/sqlite/database.js'

type Failure = Error & { code?: string }

/** The one line for a failure while building the app (opening the store). */
export function buildFailure(error: unknown, config: Config): string {
  if (error instanceof ConfigError || error instanceof DataDirInUseError) return error.message
  const failure = error as Failure
  if (config.STORE === 'sqlite') {
    const dataDir = `DATA_DIR ${resolve(config.DATA_DIR)}`
    const problem = dataDirProblem(failure)
    if (problem !== undefined) return `${dataDir} cannot be used: ${problem}`
  }
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

function dataDirProblem({ code, message }: Failure): string | undefined {
  switch (code) {
    case 'EEXIST':
      return 'it is a file, not a directory'
    case 'ENOTDIR':
      return 'a part of its path is a file, not a directory'
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `it cannot be created or written (${code}); give this user write access or choose another DATA_DIR`
    case 'ENOENT':
      return `a parent directory is missing and cannot be created (${code})`
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `postbacks.sqlite is not a usable database (${message}); restore a backup, or move it away to start empty`
    default:
      return code?.startsWith('SQLITE_') ? `${message} (${code})` : undefined
  }
}

function unexpected(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return `Start-up failed: ${message.split('\n')[0]}`
}
