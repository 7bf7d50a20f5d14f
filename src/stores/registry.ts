// The store drivers STORE may name. A driver is its folder plus one entry here.
import { ConfigError, type Config } from '../config.js'
import { redisDriver } from './redis/driver.js'
import { sqliteDriver } from './sqlite/driver.js'
import type { PostbackStore } from '../postbacks/store.js'

export interface StoreLog {
  warn(message: string): void
  error(message: string): void
}

export interface StoreDriver {
  /** the socket adapter this store implies when SOCKET_ADAPTER is not set */
  socketAdapter: 'local' | 'redis'
  /** Opens the store; a StoreStartError says in one line why it cannot start. */
  create(context: { config: Config; log: StoreLog }): Promise<PostbackStore>
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

export const createStore = (config: Config, log: StoreLog): Promise<PostbackStore> => storeDriver(config).create({ config, log })

/** SOCKET_ADAPTER, or what the store implies. */
export const socketAdapterOf = (config: Pick<Config, 'STORE' | 'SOCKET_ADAPTER'>): 'local' | 'redis' =>
  config.SOCKET_ADAPTER ?? storeDriver(config).socketAdapter
