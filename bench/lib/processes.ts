// Starting what a benchmark measures, each in a process of its own: the built service, the
// baseline servers, the receiver and the socket clients.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deleteKeys, uniquePrefix } from '../../scripts/redis-keys.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
export const TOKEN = 'bench-token-0123456789abcdef0123456789abcdef'

export interface Started {
  child: ChildProcess
  url: string
  /** resident set size of the process, in bytes */
  rss(): number
  stop(): Promise<void>
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN)
  return kb * 1024
}

function waitForUrl(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = pattern.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve(match[1] ?? '')
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code}:\n${output}`))
    })
  })
}

function stopper(child: ChildProcess, cleanup?: () => Promise<void>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        void (cleanup ? cleanup() : Promise.resolve()).finally(resolve)
      }
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once('exit', done)
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref()
    })
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * The built service (dist/server.js) with a fresh DATA_DIR (and with STORE=redis and no
 * REDIS_PREFIX, a fresh prefix, whose keys are deleted when it stops); `env` adds to the bench
 * defaults.
 */
export async function startService(env: Record<string, string> = {}): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qsp-bench-'))
  const ownPrefix = env.STORE === 'redis' && env.REDIS_PREFIX === undefined ? uniquePrefix('bench') : undefined
  // BENCH_PROFILE=<dir>: every service writes a V8 CPU profile there (summarise with bench/profile-summary.mjs).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []
  const child = spawn(process.execPath, [...profile, join(ROOT, 'dist/server.js')], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      API_TOKEN: TOKEN,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true',
      SHUTDOWN_TIMEOUT_MS: '0',
      REDIS_URL,
      ...(ownPrefix ? { REDIS_PREFIX: ownPrefix } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await waitForUrl(child, /listening at (http:\/\/127\.0\.0\.1:\d+)/, 'the service')
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true })
    if (ownPrefix) await deleteKeys(ownPrefix, REDIS_URL)
  }
  return { child, url, rss: () => rssOf(child.pid!), stop: stopper(child, cleanup) }
}

/** A TypeScript helper from bench/ that prints `listening at <url>` (or `ready`) and takes IPC messages. */
export async function startScript(script: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'bench', script)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const url = await waitForUrl(child, /(?:listening at (http:\/\/127\.0\.0\.1:\d+)|(ready))/, script)
  return { child, url, rss: () => rssOf(child.pid!), stop: stopper(child) }
}

/** Sends an IPC request to a helper and resolves with its answer. */
export function ask<T>(child: ChildProcess, message: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
  const id = Math.random().toString(36).slice(2)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(message)}`)), timeoutMs)
    const onMessage = (answer: { id?: string; result?: T; error?: string }) => {
      if (answer.id !== id) return
      clearTimeout(timer)
      child.off('message', onMessage)
      if (answer.error) reject(new Error(answer.error))
      else resolve(answer.result as T)
    }
    child.on('message', onMessage)
    child.send({ ...message, id })
  })
}

/** The helper side of `ask`. */
export function answerRequests(handlers: Record<string, (message: any) => unknown>): void {
  process.on('message', (message: { id: string; type: string }) => void answer(message))
  async function answer(message: { id: string; type: string }): Promise<void> {
    try {
      const handler = handlers[message.type]
      if (!handler) throw new Error(`unknown request ${message.type}`)
      process.send!({ id: message.id, result: await handler(message) })
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).message })
    }
  }
}
