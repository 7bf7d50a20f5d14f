// Picks the store driver that STORE names.
import type { Config } from '../../config.js'
import { createSqliteStore } from './sqlite/sqlite-store.js'
import type { PostbackStore } from './store.js'

export async function createStore(config: Config): Promise<PostbackStore> {
  switch (config.STORE) {
    case 'sqlite':
      return createSqliteStore({ dataDir: config.DATA_DIR, retentionMs: config.POSTBACK_RETENTION_MS })
    case 'redis':
      throw new Error('STORE=redis is not available in this version')
  }
}
