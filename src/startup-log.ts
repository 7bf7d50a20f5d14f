// What the service chose, said once it listens: a warn line for each guard that is off or weak,
// then one info line, "ready", with the store, the socket adapter, the address and the dashboard.
import type { FastifyInstance } from 'fastify'
import { secretOrdinal, type Config } from './config.js'
import { MIN_SECRET_BYTES, SECRET_HINT, globalSecretsOf, secretBytes } from './postbacks/delivery/signing.js'
import { socketAdapterOf } from './stores/registry.js'

export function logStartup(app: FastifyInstance, config: Config): void {
  for (const warning of startupWarnings(config)) app.log.warn(warning)
  const address = app.listeningOrigin
  // An address that means "every interface" is reached from this machine as localhost.
  const reachable = address.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:\d+$)/, '//localhost')
  app.log.info(
    {
      store: config.STORE,
      socketAdapter: socketAdapterOf(config),
      address,
      dashboard: `${reachable}/dashboard`,
      docs: `${reachable}/docs`,
    },
    'ready',
  )
}

export function startupWarnings(config: Config): string[] {
  const warnings: string[] = []
  if (config.API_TOKEN.length < 32) {
    warnings.push('API_TOKEN is shorter than 32 characters and easier to guess: make one with openssl rand -hex 32')
  }
  globalSecretsOf(config.POSTBACK_SIGNING_SECRET).forEach((secret, index) => {
    const bytes = secretBytes(secret) ?? 0
    if (bytes >= MIN_SECRET_BYTES) return
    warnings.push(
      `POSTBACK_SIGNING_SECRET: ${secretOrdinal(index)} is ${bytes} bytes long and easier to guess; ` +
        `use one of at least ${MIN_SECRET_BYTES} bytes (${SECRET_HINT})`,
    )
  })
  if (config.POSTBACK_ALLOW_PRIVATE_NETWORKS) {
    warnings.push(
      'POSTBACK_ALLOW_PRIVATE_NETWORKS=true: the SSRF guard is off, and anyone with the API token can make this ' +
        'service call loopback, private and cloud metadata addresses',
    )
  }
  return warnings
}
