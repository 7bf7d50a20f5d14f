// STORE=sqlite: one process, its postbacks in DATA_DIR.
import type { StoreDriver } from '../registry.js'
import { createSqliteStore } from './sqlite-store.js'

export const sqliteDriver: StoreDriver = {
  socketAdapter: 'local',
  create: async ({ config }) =>
    createSqliteStore({
      dataDir: config.DATA_DIR,
      retentionMs: config.POSTBACK_RETENTION_MS,
      hostConcurrency: config.POSTBACK_HOST_CONCURRENCY,
    }),
}
