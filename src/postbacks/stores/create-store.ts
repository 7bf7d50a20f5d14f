// Picks the store driver that STORE names.
import type { Config } from '../../config.js'
import { createRedisStore } from './redis/redis-store.js'
import { createSqliteStore } from './sqlite/sqlite-store.js'
import type { PostbackStore } from './store.js'

export async function createStore(config: Config): Promise<PostbackStore> {
  switch (config.STORE) {
    case 'sqlite':
      return createSqliteStore({ dataDir: config.DATA_DIR, retentionMs: config.POSTBACK_RETENTION_MS })
    case 'redis':
      return createRedisStore({
        url: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        retentionMs: config.POSTBACK_RETENTION_MS,
        lockMs: config.POSTBACK_LOCK_MS,
      })
  }
}
