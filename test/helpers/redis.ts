// The real Redis the STORE=redis tests run against, and per-test key prefixes.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export type StoreKind = 'sqlite' | 'redis'

/** Whether a Redis answers PING at `url`. */
export async function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** Both stores; without Redis only SQLite, except in CI, where a missing Redis is a failure. */
export async function storesUnderTest(): Promise<StoreKind[]> {
  if (await redisAnswers()) return ['sqlite', 'redis']
  if (process.env.CI === 'true') throw new Error(`Redis is required in CI and does not answer at ${REDIS_URL}`)
  console.warn(`Redis does not answer at ${REDIS_URL}: the STORE=redis tests are not run`)
  return ['sqlite']
}

/** A prefix no other test run uses. */
export const uniquePrefix = () => `qsp-test-${randomBytes(6).toString('hex')}`

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  client.on('error', () => undefined)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      if (keys.length) await client.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}
