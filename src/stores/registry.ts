// The store drivers STORE may name. A driver is its folder plus one entry here.
import { ConfigError, type Config } from '../config.js'
import type { HealthRules } from '../destinations/health.js'
import type { DestinationStore } from '../destinations/store.js'
import { redisDriver } from './redis/driver.js'
import { sqliteDriver } from './sqlite/driver.js'
import type { PostbackStore } from '../postbacks/store.js'

export interface StoreLog {
  warn(message: string): void
  error(message: string): void
}

/** What a driver opens: one store per domain, sharing one connection or file. */
export interface Stores {
  postbacks: PostbackStore
  destinations: DestinationStore
}

export interface StoreContext {
  config: Config
  log: StoreLog
  /** the quarantine rules every driver applies */
  health: HealthRules
}

export interface StoreDriver {
  /** the socket adapter this store implies when SOCKET_ADAPTER is not set */
  socketAdapter: 'local' | 'redis'
  /** Opens the stores; a StoreStartError says in one line why they cannot start. */
  open(context: StoreContext): Promise<Stores>
}

const DRIVERS: Record<string, StoreDriver> = {
  sqlite: sqliteDriver,
  redis: redisDriver,
}

export const STORE_KINDS = Object.keys(DRIVERS)

export function storeDriver(config: Pick<Config, 'STORE'>): StoreDriver {
  const driver = DRIVERS[config.STORE]
  if (!driver) throw new ConfigError(`Invalid STORE=${config.STORE}: expected one of ${STORE_KINDS.join(', ')}`)
  return driver
}

export const openStores = (config: Config, log: StoreLog): Promise<Stores> =>
  storeDriver(config).open({ config, log, health: healthRules(config) })

export const healthRules = (config: Config): HealthRules => ({
  quarantineAfterMs: config.DESTINATION_QUARANTINE_AFTER_MS,
  firstProbeMs: config.DESTINATION_PROBE_MS,
  maxProbeMs: Math.max(config.DESTINATION_PROBE_MS, config.DESTINATION_PROBE_MAX_MS),
})

/** SOCKET_ADAPTER, or what the store implies. */
export const socketAdapterOf = (config: Pick<Config, 'STORE' | 'SOCKET_ADAPTER'>): 'local' | 'redis' =>
  config.SOCKET_ADAPTER ?? storeDriver(config).socketAdapter
