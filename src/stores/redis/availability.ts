// How a Redis the store cannot use shows to callers and to /health: unreachable is 503
// STORE_UNAVAILABLE, out of memory is 507 STORE_FULL, each a problem from when it began.
import type { Redis } from 'ioredis'
import { StoreFullError, StoreUnavailableError, codes } from '../../errors.js'
import { InvalidCursorError, type StoreProblem } from '../../postbacks/store.js'

export class Availability {
  readonly #redis: Redis
  #outOfMemorySince: number | undefined
  #unreachableSince: number | undefined

  constructor(redis: Redis) {
    this.#redis = redis
    redis.on('close', () => (this.#unreachableSince ??= Date.now()))
    redis.on('ready', () => (this.#unreachableSince = undefined))
  }

  /** Runs a call to Redis: an unreachable Redis answers 503, a full one 507. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work()
      this.#outOfMemorySince = undefined
      return result
    } catch (error) {
      if (error instanceof InvalidCursorError) throw error
      const message = (error as Error).message
      if (message.startsWith('OOM')) {
        this.#outOfMemorySince ??= Date.now()
        throw new StoreFullError('Redis is out of memory (maxmemory reached): nothing was stored')
      }
      throw new StoreUnavailableError(`Redis is unreachable: ${message}`)
    }
  }

  /** Every method of `target`, run through run(). */
  guard<T extends object>(target: T): T {
    return Object.fromEntries(
      Object.entries(target).map(([name, method]) => [
        name,
        typeof method === 'function' ? (...args: unknown[]) => this.run(() => (method as (...a: unknown[]) => Promise<unknown>)(...args)) : method,
      ]),
    ) as T
  }

  problems(): StoreProblem[] {
    const problems: StoreProblem[] = []
    if (this.#unreachableSince !== undefined && this.#redis.status !== 'ready') {
      problems.push({ code: codes.STORE_UNAVAILABLE, message: 'Redis is unreachable', since: new Date(this.#unreachableSince).toISOString() })
    }
    if (this.#outOfMemorySince !== undefined) {
      problems.push({ code: codes.STORE_FULL, message: 'Redis is out of memory (maxmemory reached)', since: new Date(this.#outOfMemorySince).toISOString() })
    }
    return problems
  }
}
