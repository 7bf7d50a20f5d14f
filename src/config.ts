// The environment schema: every variable the service reads, its default and what it allows.
// Parsed once at start-up into a frozen Config; nothing else reads process.env.
import Type, { type Static, type TSchema } from 'typebox'
import Value from 'typebox/value'
import { SECRET_FORMAT, SECRET_HINT, globalSecretsOf, secretBytes } from './postbacks/delivery/signing.js'

const int = (minimum: number, value: number, maximum?: number) =>
  Type.Integer({ minimum, default: value, ...(maximum === undefined ? {} : { maximum }) })

const oneOf = <const T extends string[]>(values: readonly [...T], value: T[number]) =>
  Type.Enum(values, { default: value })

export const ConfigSchema = Type.Object({
  API_TOKEN: Type.String({ minLength: 1 }),
  PORT: int(0, 3000, 65535),
  HOST: Type.String({ pattern: '^[A-Za-z0-9.:%_-]+$', default: '0.0.0.0', description: 'an IP address or a hostname' }),
  NODE_ENV: oneOf(['development', 'production', 'test'], 'development'),
  /** Defaults to http://localhost:<PORT> (set by loadConfig). */
  ALLOWED_ORIGINS: Type.String({ minLength: 1 }),
  SOCKET_PATH: Type.String({ pattern: '^/[^?#\\s]*$', default: '/socket.io' }),
  SOCKET_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  SOCKET_RELAY: Type.Boolean({ default: true }),
  SOCKET_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SOCKET_MAX_PAYLOAD_BYTES: int(1024, 65_536, 100 * 1024 * 1024),
  SOCKET_EVENTS_PER_SECOND: int(1, 50, 100_000),
  SOCKET_RECOVERY_MS: int(0, 120_000),
  SOCKET_RECOVERY_MAX_BYTES: int(1024, 64 * 1024 * 1024),
  SOCKET_RECOVERY_MAX_REPLAY_BYTES: int(1024, 1024 * 1024),
  SOCKET_OCCUPANCY_DEBOUNCE_MS: int(0, 2000, 3_600_000),
  SOCKET_INBOX_MAX_PER_USER: int(1, 1000, 1_000_000),
  SOCKET_MAX_PER_USER: int(1, 20, 100_000),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  // The drivers say which kinds exist (src/stores/registry.ts).
  STORE: Type.String({ pattern: '^[a-z][a-z0-9-]*$', default: 'sqlite' }),
  SOCKET_ADAPTER: Type.Optional(Type.Enum(['local', 'redis'])),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]+$', default: 'qsp' }),
  POSTBACK_MAX_ATTEMPTS: int(1, 3, 100),
  POSTBACK_BACKOFF_MS: int(0, 1000),
  POSTBACK_TIMEOUT_MS: int(1, 30_000),
  POSTBACK_MAX_ATTEMPTS_LIMIT: int(1, 25, 100),
  POSTBACK_TIMEOUT_LIMIT_MS: int(1, 120_000),
  POSTBACK_CONCURRENCY: int(1, 10, 10_000),
  POSTBACK_HOST_CONCURRENCY: int(1, 4, 10_000),
  POSTBACK_RETENTION_MS: int(0, 3_600_000),
  POSTBACK_LOCK_MS: int(1000, 30_000),
  POSTBACK_ALLOW_PRIVATE_NETWORKS: Type.Boolean({ default: false }),
  // One secret, or two separated by a space (new first) while receivers move to the new one.
  POSTBACK_SIGNING_SECRET: Type.Optional(
    Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]+( whsec_[A-Za-z0-9+/=]+)?$',
      description: `one secret (${SECRET_FORMAT}), or two separated by a space, new first`,
    }),
  ),
  SIGNING_ROTATION_GRACE_MS: int(0, 86_400_000),
  DESTINATION_QUARANTINE_AFTER_MS: int(0, 60_000),
  DESTINATION_GIVE_UP_AFTER_MS: int(1000, 7 * 86_400_000),
  DESTINATION_PROBE_MS: int(100, 30_000),
  DESTINATION_PROBE_MAX_MS: int(100, 600_000),
  OPS_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  BODY_LIMIT_BYTES: int(1, 1_048_576),
  REQUEST_TIMEOUT_MS: int(100, 15_000, 3_600_000),
  KEEP_ALIVE_TIMEOUT_MS: int(100, 5000, 3_600_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 10_000),
})

const SECRET_KEYS = new Set(['API_TOKEN', 'POSTBACK_SIGNING_SECRET', 'SOCKET_TOKEN_SECRET'])

export type Config = Readonly<Static<typeof ConfigSchema>>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Builds the Config from an environment-like map; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const known: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const raw = env[key]
    if (raw !== undefined && raw.trim() !== '') known[key] = raw.trim()
  }
  if (known.API_TOKEN === undefined) {
    throw new ConfigError(
      'API_TOKEN is required: set it in the environment or in .env (make one with: openssl rand -hex 32)',
    )
  }
  const value = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, known)) as Record<string, unknown>
  value.ALLOWED_ORIGINS ??= `http://localhost:${String(value.PORT)}`
  const [first] = Value.Errors(ConfigSchema, value)
  if (first !== undefined) {
    const key = first.instancePath.split('/')[1] ?? first.instancePath
    const schema = (ConfigSchema.properties as Record<string, TSchema>)[key]
    const shown = SECRET_KEYS.has(key) ? '' : `=${String(known[key])}`
    throw new ConfigError(`Invalid ${key}${shown}: expected ${schema ? describeAllowed(schema) : first.message}`)
  }
  const config = value as Static<typeof ConfigSchema>
  checkOrigins(config.ALLOWED_ORIGINS)
  checkSigningSecrets(config.POSTBACK_SIGNING_SECRET)
  return Object.freeze(config)
}

/** Which of POSTBACK_SIGNING_SECRET's secrets, in words. */
export const secretOrdinal = (index: number) => (index === 0 ? 'the first secret' : 'the second secret')

/** Each secret must decode, or every delivery would fail to be signed (a short one only gets a warning at start). */
function checkSigningSecrets(value: string | undefined): void {
  const index = globalSecretsOf(value).findIndex((secret) => secretBytes(secret) === undefined)
  if (index === -1) return
  throw new ConfigError(`Invalid POSTBACK_SIGNING_SECRET: ${secretOrdinal(index)} does not decode: expected ${SECRET_FORMAT}; ${SECRET_HINT}`)
}

/**
 * Every ALLOWED_ORIGINS entry must be an origin exactly as browsers send it (scheme, host and a
 * port unless it is the scheme's default): anything else would silently never match.
 */
function checkOrigins(value: string): void {
  const list = splitOrigins(value)
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError('Invalid ALLOWED_ORIGINS: * allows every origin and must stand alone')
    return
  }
  for (const entry of list) {
    let origin: string | undefined
    try {
      origin = new URL(entry).origin
    } catch {
      origin = undefined
    }
    if (origin === entry) continue
    const hint = origin === undefined || origin === 'null' ? 'scheme://host[:port], such as https://app.example.com' : origin
    throw new ConfigError(`Invalid ALLOWED_ORIGINS entry "${entry}": not an origin; write it as ${hint}`)
  }
}

const splitOrigins = (value: string) =>
  value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)

/** A short human description of what a config schema accepts, for error lines and docs. */
export function describeAllowed(schema: TSchema): string {
  const s = schema as Record<string, unknown>
  if (typeof s.description === 'string') return s.description
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`
  if (s.type === 'boolean') return 'true or false'
  if (s.type === 'integer') {
    const max = typeof s.maximum === 'number' ? ` and at most ${s.maximum}` : ''
    return `an integer of at least ${String(s.minimum)}${max}`
  }
  if (typeof s.pattern === 'string') return `a string matching ${s.pattern}`
  if (typeof s.minLength === 'number' && s.minLength > 1) return `a string of at least ${s.minLength} characters`
  return 'a non-empty string'
}

/** ALLOWED_ORIGINS as CORS wants it: `true` for an explicit `*`, else the list. */
export function allowedOrigins(config: Config): true | string[] {
  const list = splitOrigins(config.ALLOWED_ORIGINS)
  return list.includes('*') ? true : list
}
