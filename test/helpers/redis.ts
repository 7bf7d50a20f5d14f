// The real Redis the STORE=redis tests run against, and per-test key prefixes.
import * as keys from '../../scripts/redis-keys.js'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export type StoreKind = 'sqlite' | 'redis'

export const redisAnswers = (url = REDIS_URL) => keys.redisAnswers(url)
export const uniquePrefix = () => keys.uniquePrefix('test')
export const deleteKeys = (prefix: string, url = REDIS_URL) => keys.deleteKeys(prefix, url)

/** Both stores; without Redis only SQLite, except in CI, where a missing Redis is a failure. */
export async function storesUnderTest(): Promise<StoreKind[]> {
  if (await redisAnswers()) return ['sqlite', 'redis']
  if (process.env.CI === 'true') throw new Error(`Redis is required in CI and does not answer at ${REDIS_URL}`)
  console.warn(`Redis does not answer at ${REDIS_URL}: the STORE=redis tests are not run`)
  return ['sqlite']
}
