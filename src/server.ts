// Entry point: read the configuration, build the app, listen, and shut down gracefully.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildFailure, listenFailure } from './startup-errors.js'
import { logStartup } from './startup-log.js'

const ENV_FILE = resolve('.env')

/** The environment wins over .env. */
function readEnvironment(): Record<string, string | undefined> {
  const fromFile = existsSync(ENV_FILE) ? parseEnv(readFileSync(ENV_FILE, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

/**
 * On the very first start of a fresh checkout (no .env, no API_TOKEN) a .env with a random token is
 * written, so that `npm start` works at once; the token itself is never printed. Not in production
 * (a container must be given its token), nor where the directory cannot be written: then the
 * start stops with the one line that says API_TOKEN is required.
 */
function createEnvFileOnFirstStart(env: Record<string, string | undefined>): void {
  if (env.API_TOKEN || env.NODE_ENV === 'production' || existsSync(ENV_FILE)) return
  const token = randomBytes(32).toString('hex')
  try {
    writeFileSync(ENV_FILE, `# Created by the first start. Keep this token secret.\nAPI_TOKEN=${token}\n`, { mode: 0o600 })
  } catch {
    return
  }
  process.stdout.write(`Created ${ENV_FILE} with a new random API_TOKEN (read it there: grep API_TOKEN .env)\n`)
}

function configure(): Config {
  createEnvFileOnFirstStart(readEnvironment())
  try {
    return loadConfig(readEnvironment())
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    fail(error.message)
  }
}

/**
 * SIGTERM and SIGINT: close() answers /health with 503 at once, stops listening, answers the
 * requests already received and gives deliveries in flight the rest of timeoutMs. Requests still
 * under way when the time is up are cut off, so that the process exits within timeoutMs + 2 s.
 */
function shutDownOnSignals(app: FastifyInstance, timeoutMs: number): void {
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    const startedAt = Date.now()
    app.log.info({ signal, timeoutMs }, 'shutting down')
    setTimeout(() => app.server.closeAllConnections(), timeoutMs).unref()
    setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown did not finish in time; exiting anyway')
      process.exit(1)
    }, timeoutMs + 1500).unref()
    app.close().then(
      () => {
        app.log.info({ ms: Date.now() - startedAt }, 'shut down')
        process.exit(0)
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

/** Prints the one line that says why the service cannot start, and exits 1. */
function fail(line: string): never {
  process.stderr.write(`${line}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  const config = configure()
  let app: FastifyInstance
  try {
    app = await buildApp(config)
  } catch (error) {
    fail(buildFailure(error))
  }
  shutDownOnSignals(app, config.SHUTDOWN_TIMEOUT_MS)
  try {
    await app.listen({ port: config.PORT, host: config.HOST })
  } catch (error) {
    fail(listenFailure(error, config))
  }
  logStartup(app, config)
}

await main()
