// Entry point: read the configuration, build the app, listen, and shut down gracefully.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { StoreStartError } from './postbacks/store.js'

const ENV_FILE = resolve('.env')

/** The environment wins over .env. */
function readEnvironment(): Record<string, string | undefined> {
  const fromFile = existsSync(ENV_FILE) ? parseEnv(readFileSync(ENV_FILE, 'utf8')) : {}
  return { ...fromFile, ...process.env }
}

/**
 * On the very first start of a fresh checkout (no .env, no API_TOKEN) a .env with a random token is
 * written, so that `npm start` works at once; the token itself is never printed.
 */
function createEnvFileOnFirstStart(env: Record<string, string | undefined>): void {
  if (env.API_TOKEN || existsSync(ENV_FILE)) return
  const token = randomBytes(32).toString('hex')
  writeFileSync(ENV_FILE, `# Created by the first start. Keep this token secret.\nAPI_TOKEN=${token}\n`, { mode: 0o600 })
  process.stdout.write(`Created ${ENV_FILE} with a new random API_TOKEN (read it there: grep API_TOKEN .env)\n`)
}

function configure(): Config {
  createEnvFileOnFirstStart(readEnvironment())
  try {
    return loadConfig(readEnvironment())
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}

async function main(): Promise<void> {
  const config = configure()
  let app
  try {
    app = await buildApp(config)
  } catch (error) {
    if (!(error instanceof StoreStartError || error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)

  await app.listen({ port: config.PORT, host: config.HOST })
}

await main()
