// The Docker engine, docker-compose and the image built from the repository's Dockerfile.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../../helpers/wait.js'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** The image under test. It is kept between runs: it is the build cache that makes the next build quick. */
export const IMAGE = 'qsp-test/queue-socket-provider:latest'

/** Building the stand-ins and the image from nothing (debootstrap, npm ci, a C++ compile) on a busy machine. */
export const BUILD_TIMEOUT_MS = 20 * 60_000
/** One test that starts containers and waits for them. */
export const CONTAINER_TEST_TIMEOUT_MS = 3 * 60_000

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  timeoutMs?: number
  cwd?: string
}

/** Runs a command to its end, or kills it after timeoutMs; a non-zero exit is a result, not an error. */
export function run(command: string, args: string[], { env, timeoutMs = 120_000, cwd = ROOT }: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: env ?? process.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        const killed = error?.killed ? `\n(killed after ${timeoutMs} ms)` : ''
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + killed })
      },
    )
  })
}

/** Like run, but a non-zero exit throws with the command's output; resolves with stdout. */
export async function must(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await run(command, args, options)
  if (result.code !== 0) {
    const tail = (result.stdout + result.stderr).slice(-4000)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${tail}`)
  }
  return result.stdout
}

/**
 * Whether the tests that need `tools` run. Without them, CI fails the file (.ci/run installs and
 * starts them); elsewhere the tests are not run, and a warning says so.
 */
export async function containerTestsRun(tools: ('docker' | 'docker-compose')[]): Promise<boolean> {
  const missing: string[] = []
  if (tools.includes('docker') && (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 })).code !== 0) {
    missing.push('no Docker engine answers')
  }
  if (tools.includes('docker-compose') && (await run('docker-compose', ['version'], { timeoutMs: 30_000 })).code !== 0) {
    missing.push('docker-compose is not installed')
  }
  if (missing.length === 0) return true
  const why = missing.join(', ')
  if (process.env.CI === 'true') throw new Error(`${why}: the container tests need it in CI`)
  console.warn(`${why}: the container tests are not run`)
  return false
}

/**
 * Makes the stand-in base images where the real ones are absent, then builds IMAGE from the
 * Dockerfile; one build at a time on the machine, so a second test file waits and then finds
 * every layer cached. The image it replaces is removed.
 */
export async function buildImage(): Promise<void> {
  const lock = join(tmpdir(), 'qsp-test-image-build.lock')
  const timeoutMs = BUILD_TIMEOUT_MS - 60_000
  await must('flock', [lock, join(ROOT, 'scripts/docker-test-images.sh')], { timeoutMs })
  const before = await imageId()
  // The classic builder takes the local stand-ins as they are and never asks a registry.
  await must('flock', [lock, 'docker', 'build', '--network', 'host', '--tag', IMAGE, ROOT], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    timeoutMs,
  })
  const after = await imageId()
  if (before && before !== after) await run('docker', ['rmi', before])
}

async function imageId(): Promise<string | undefined> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', IMAGE])
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** A name no other test run uses, for containers, volumes and compose projects. */
export const uniqueName = (kind: string) => `qsp-test-${kind}-${randomBytes(4).toString('hex')}`

/** Resolves with /health's body once `url` answers it with 200. */
export function healthy(url: string, timeoutMs = 90_000): Promise<any> {
  return waitFor(
    async () => {
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) })
        return response.ok && (await response.json())
      } catch {
        return false
      }
    },
    { timeoutMs, intervalMs: 250, what: `${url}/health to answer 200` },
  )
}

/** A field of `docker inspect` for a container, as text. */
export async function inspect(container: string, format: string): Promise<string> {
  return (await must('docker', ['inspect', '--format', format, container])).trim()
}
