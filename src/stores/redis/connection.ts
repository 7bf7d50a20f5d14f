// Connections to Redis. Commands fail at once while Redis is unreachable (the API answers 503
// rather than waiting); the client reconnects by itself. A store that cannot reach Redis at
// start stops the start with one line naming REDIS_URL.
import { Redis } from 'ioredis'
import { StoreStartError } from '../../postbacks/store.js'

/** How long the first connection may take before the start fails. */
const CONNECT_TIMEOUT_MS = 5000

export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
  let lastError: Error | undefined
  redis.on('error', (error: Error) => (lastError = error)) // reconnection is automatic; calls report unavailability
  try {
    await withTimeout(redis.connect(), CONNECT_TIMEOUT_MS)
  } catch (error) {
    redis.disconnect()
    const cause = lastError ?? (error as Error)
    throw new StoreStartError(
      `Redis at REDIS_URL=${redacted(url)} is unreachable (${describe(cause)}): start Redis or set REDIS_URL`,
    )
  }
  return redis
}

/** A second connection for subscribing (a subscribed connection can send no other command). */
export function subscriberFor(redis: Redis): Redis {
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false })
  subscriber.on('error', () => undefined)
  return subscriber
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/** The URL without its password. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

function describe(error: Error): string {
  const code = (error as { code?: string }).code
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
}
