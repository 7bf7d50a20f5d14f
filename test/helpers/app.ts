// Starts the real app on a random port with its own temporary DATA_DIR.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis.js'

export const TOKEN = 'test-token-0123456789abcdef'

export interface TestApp {
  app: FastifyInstance
  config: Config
  url: string
  dataDir: string
  /** fetch against the app with the API token (pass `token: null` to send none) */
  api(path: string, init?: ApiInit): Promise<ApiResponse>
  close(): Promise<void>
}

export interface ApiInit {
  method?: string
  body?: unknown
  token?: string | null
  headers?: Record<string, string>
}

export interface ApiResponse {
  status: number
  headers: Headers
  body: any
}

export async function tempDir(prefix = 'qsp-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** Test defaults: quick retries and timeouts; `env` overrides any of them. */
export function testEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    API_TOKEN: TOKEN,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    POSTBACK_BACKOFF_MS: '50',
    POSTBACK_TIMEOUT_MS: '2000',
    POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true',
    POSTBACK_LOCK_MS: '2000',
    ...env,
  }
}

/**
 * Starts the app; with STORE=redis and no REDIS_PREFIX it gets a prefix of its own, whose keys
 * are deleted on close.
 */
export async function startApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const ownDir = env.DATA_DIR === undefined
  const dataDir = env.DATA_DIR ?? (await tempDir())
  const ownPrefix = env.STORE === 'redis' && env.REDIS_PREFIX === undefined ? uniquePrefix() : undefined
  const config = loadConfig(
    testEnv({ DATA_DIR: dataDir, REDIS_URL, ...(ownPrefix ? { REDIS_PREFIX: ownPrefix } : {}), ...env }),
  )
  const app = await buildApp(config, { logger: false, drainMs: 0, ...options })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const url = `http://127.0.0.1:${address.port}`
  return {
    app,
    config,
    url,
    dataDir,
    api: (path, init) => request(url, path, init),
    async close() {
      await app.close()
      if (ownDir) await rm(dataDir, { recursive: true, force: true })
      if (ownPrefix) await deleteKeys(ownPrefix)
    },
  }
}

export async function request(baseUrl: string, path: string, init: ApiInit = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers }
  const token = init.token === undefined ? TOKEN : init.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  let body: string | undefined
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(baseUrl + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    // not JSON: the raw text is the body
  }
  return { status: response.status, headers: response.headers, body: parsed }
}
