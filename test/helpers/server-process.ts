// Runs src/server.ts in a child process, the way `npm start` runs the built one.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TOKEN } from './app.js'
import { REDIS_URL, deleteKeys, uniquePrefix, type StoreKind } from './redis.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SERVER = `${ROOT}src/server.ts`
const TSX = `${ROOT}node_modules/tsx/dist/loader.mjs`

export interface ServerProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the base URL once the server logs that it listens. */
  listening(timeoutMs?: number): Promise<string>
  /** Resolves with the exit code (or the signal's name). */
  exited(timeoutMs?: number): Promise<number | string>
}

/** A production-like environment for a spawned service; `env` adds to it or overrides it. */
export function serviceEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    API_TOKEN: TOKEN,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true',
    ...env,
  }
}

/** Another user to run as (to meet permissions that do not bind root). */
export interface RunAs {
  uid: number
  gid: number
}

/** Starts the server with exactly `env` (plus PATH), in `cwd`. */
export function spawnServer(cwd: string, env: Record<string, string>, as?: RunAs): ServerProcess {
  const child = spawn(process.execPath, ['--import', TSX, SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )

  const bounded = <T>(promise: Promise<T>, timeoutMs: number, what: string) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`)), timeoutMs).unref(),
      ),
    ])

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    listening(timeoutMs = 30_000) {
      return bounded(
        new Promise<string>((resolve, reject) => {
          const check = () => {
            const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
            if (match) {
              child.stdout.off('data', check)
              resolve(match[1]!)
            }
          }
          child.stdout.on('data', check)
          check()
          void exit.then((code) => reject(new Error(`server exited (${code}) before listening\nstderr: ${err}`)))
        }),
        timeoutMs,
        'server did not listen',
      )
    },
    exited(timeoutMs = 30_000) {
      return bounded(exit, timeoutMs, 'server did not exit')
    },
  }
}

/** Spawned servers that are SIGKILLed after the test, if still running. */
export function serverProcesses(
  defer: (step: () => unknown) => void,
): (cwd: string, env: Record<string, string>, as?: RunAs) => ServerProcess {
  return (cwd, env, as) => {
    const server = spawnServer(cwd, env, as)
    defer(() => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    })
    return server
  }
}

/**
 * What two processes in a row share, on `store`: the data directory under `dir`, or a Redis
 * prefix of their own (its keys deleted after the test), with a short POSTBACK_LOCK_MS so that a
 * killed process's claims lapse quickly.
 */
export function sharedStoreEnv(store: StoreKind, dir: string, defer: (step: () => unknown) => void): Record<string, string> {
  if (store === 'sqlite') return { STORE: store, DATA_DIR: `${dir}/data` }
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  return { STORE: store, REDIS_URL, REDIS_PREFIX: prefix, POSTBACK_LOCK_MS: '1000' }
}
