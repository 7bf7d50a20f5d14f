// How the CLI ends: 0 when it did what was asked, 1 when the service refused or could not be
// reached, 2 when the command line itself was wrong. Always one line on stderr.
import { CommanderError } from 'commander'
import { QspConnectionError, QspError, QspRefusedError } from '../errors.js'

export const EXIT_OK = 0
export const EXIT_API_ERROR = 1
export const EXIT_USAGE = 2

/** The command line asks for something impossible: bad JSON, a missing token, clashing options. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The line to print and the exit code for anything a command throws. */
export function failure(error: unknown): { line?: string; code: number } {
  // Commander has already printed its own message (or the help that was asked for).
  if (error instanceof CommanderError) return { code: error.exitCode === 0 ? EXIT_OK : EXIT_USAGE }
  if (error instanceof UsageError) return { line: `qsp: ${error.message}`, code: EXIT_USAGE }
  if (error instanceof QspError) return { line: `qsp: ${error.error} (${error.status}): ${error.message}`, code: EXIT_API_ERROR }
  if (error instanceof QspRefusedError) return { line: `qsp: connection refused, ${error.error}: ${error.message}`, code: EXIT_API_ERROR }
  if (error instanceof QspConnectionError) return { line: `qsp: ${error.message}`, code: EXIT_API_ERROR }
  // Anything else is a bug in the CLI: say what it was, still on one line.
  return { line: `qsp: unexpected error: ${error instanceof Error ? error.message : String(error)}`, code: EXIT_API_ERROR }
}
