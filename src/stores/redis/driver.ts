// STORE=redis: any number of instances sharing REDIS_URL and REDIS_PREFIX.
import type { StoreDriver } from '../registry.js'
import { createRedisStores } from './redis-store.js'

export const redisDriver: StoreDriver = {
  socketAdapter: 'redis',
  open: ({ config, log, health }) =>
    createRedisStores({
      url: config.REDIS_URL,
      prefix: config.REDIS_PREFIX,
      retentionMs: config.POSTBACK_RETENTION_MS,
      lockMs: config.POSTBACK_LOCK_MS,
      hostConcurrency: config.POSTBACK_HOST_CONCURRENCY,
      health,
      giveUpAfterMs: config.DESTINATION_GIVE_UP_AFTER_MS,
      log,
    }),
}
