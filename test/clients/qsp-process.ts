// Runs the qsp command as a user would: a child process with QSP_URL and QSP_TOKEN in its
// environment, its output and exit code read back.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../helpers/wait.js'

export const QSP_BIN = fileURLToPath(new URL('../../clients/typescript/bin/qsp.js', import.meta.url))

export interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

export interface Running {
  readonly stdout: string
  readonly stderr: string
  /** Resolves once standard output (or error) matches `pattern`. */
  waitForOutput(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<void>
  /** Resolves when the command has exited and its output was read. */
  finished(): Promise<Finished>
  /** Sends `signal` and resolves when the command has exited. */
  stop(signal?: NodeJS.Signals): Promise<Finished>
  /** Kills the command if it still runs. */
  close(): Promise<Finished>
}

/** The environment of a shell with only the service's two variables set. */
export const serviceEnv = (url: string | undefined, token: string | undefined): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  ...(url === undefined ? {} : { QSP_URL: url }),
  ...(token === undefined ? {} : { QSP_TOKEN: token }),
})

export function startQsp(args: string[], env: NodeJS.ProcessEnv, input = ''): Running {
  // A command that should end but hangs is killed rather than left behind.
  const child = spawn(process.execPath, [QSP_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 })
  const output = { stdout: '', stderr: '' }
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()))
  child.stdin.end(input)
  const exited = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, ...output })))
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    get stdout() {
      return output.stdout
    },
    get stderr() {
      return output.stderr
    },
    async waitForOutput(pattern, stream = 'stdout') {
      const printed = () => pattern.test(output[stream])
      await waitFor(() => printed() || !running(), { what: `qsp ${args[0]} to print ${pattern}` }).catch((error: Error) => {
        throw new Error(`${error.message}; it printed ${JSON.stringify(output)}`)
      })
      if (!printed()) throw new Error(`qsp ${args[0]} exited without printing ${pattern}: ${JSON.stringify(output)}`)
    },
    finished: () => exited,
    stop(signal = 'SIGINT') {
      child.kill(signal)
      return exited
    },
    close() {
      if (running()) child.kill('SIGKILL')
      return exited
    },
  }
}

/** Runs qsp to its end. */
export const qsp = (args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> => startQsp(args, env, input).finished()
