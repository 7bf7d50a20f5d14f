// A redis-server of a test's own, on a free port, for tests that stop, restart or fill Redis
// (the shared one on 6379 must stay up for every other test).
import { spawn, type ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { tempDir } from './app.js'
import { freePort } from './ports.js'
import { waitFor } from './wait.js'

/** Persisting every write (appendfsync always). */
export const PERSISTENT = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
/** Keeping nothing on disk: a restart loses everything. */
export const FORGETFUL = ['--appendonly', 'no', '--save', '']

export interface PrivateRedis {
  url: string
  /** Kills it (SIGKILL); its files stay for the next start. */
  stop(): Promise<void>
  /** Starts it again on the same port and files. */
  start(): Promise<void>
  restart(): Promise<void>
}

/**
 * A Redis of the test's own with `settings` as redis-server takes them (PERSISTENT by default),
 * running once this resolves; `defer` stops it and removes its files after the test.
 */
export async function privateRedis(defer: (step: () => unknown) => void, settings: string[] = PERSISTENT): Promise<PrivateRedis> {
  const dir = await tempDir('qsp-redis-')
  defer(() => rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  let child = await startRedis(port, dir, settings)
  const stop = () => stopRedis(child)
  defer(stop)
  const start = async () => {
    child = await startRedis(port, dir, settings)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async restart() {
      await stop()
      await start()
    },
  }
}

function startRedis(port: number, dir: string, settings: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...settings], { stdio: 'ignore' })
  return waitFor(
    () =>
      new Promise<ChildProcess | false>((resolve) => {
        const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] })
        let out = ''
        probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
        probe.on('exit', () => resolve(out.trim() === 'PONG' && child))
      }),
    { timeoutMs: 10_000, what: 'redis-server to answer' },
  )
}

function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}
