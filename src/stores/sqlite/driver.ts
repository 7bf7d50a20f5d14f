// STORE=sqlite: one process, everything in DATA_DIR/postbacks.sqlite (the inbox in DATA_DIR/inbox.sqlite).
import type { StoreDriver } from '../registry.js'
import { openDatabase } from './database.js'
import { DestinationBook } from './destination-book.js'
import { destinationRows } from './destination-rows.js'
import { createSqliteDestinationStore } from './destination-store.js'
import { DiskWatch } from './disk-watch.js'
import { createSqliteInboxStore } from './inbox-store.js'
import { createSqliteStore } from './sqlite-store.js'

export const sqliteDriver: StoreDriver = {
  socketAdapter: 'local',
  async open({ config, health }) {
    const db = openDatabase(config.DATA_DIR)
    const destinations = destinationRows(db)
    const book = new DestinationBook({ cap: config.POSTBACK_HOST_CONCURRENCY, rules: health, stored: destinations.load() })
    const context = { db, book, destinations, disk: new DiskWatch(config.DATA_DIR) }
    const postbacks = createSqliteStore(context, {
      retentionMs: config.POSTBACK_RETENTION_MS,
      giveUpAfterMs: config.DESTINATION_GIVE_UP_AFTER_MS,
    })
    return {
      postbacks,
      destinations: createSqliteDestinationStore({ ...context, changed: (destination) => postbacks.destinationChanged(destination) }),
    }
  },
  openInbox: async ({ config }) => createSqliteInboxStore(config.DATA_DIR, new DiskWatch(config.DATA_DIR)),
}
