// A redis-server of a test's own, on a free port, for tests that stop, restart or fill Redis
// (the shared one on 6379 must stay up for every other test).
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { waitFor } from './wait.js'

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Persisting every write (appendfsync always). */
export const PERSISTENT = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
/** Keeping nothing on disk: a restart loses everything. */
export const FORGETFUL = ['--appendonly', 'no', '--save', '']

/** A Redis of the test's own on `port`, its files in `dir`, with `settings` (PERSISTENT by default). */
export function startRedis(port: number, dir: string, settings: string[] = PERSISTENT): Promise<ChildProcess> {
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

export function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}
