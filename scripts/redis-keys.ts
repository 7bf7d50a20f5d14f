// Redis helpers shared by the tests and the benchmarks: is a Redis there, a key prefix no other
// run uses, and removing every key under a prefix.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/** Whether a Redis answers PING at `url`. */
export async function redisAnswers(url: string): Promise<boolean> {
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

/** A prefix no other run uses. */
export const uniquePrefix = (kind = 'test') => `qsp-${kind}-${randomBytes(6).toString('hex')}`

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url: string): Promise<void> {
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
