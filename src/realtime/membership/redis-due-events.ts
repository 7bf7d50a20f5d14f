// Handing out the membership events kept in Redis (`due`): those a join makes are handed to the
// joining instance at once; debounced ones (left, vacated) when due, to whichever instance claims
// them first. Each is removed once handled; one not removed within its lease is handed out again.
import type { Redis } from 'ioredis'
import { claimDue } from './redis-scripts.js'
import type { MembershipEvent, TrackerOptions } from './tracker.js'

/** An event handed out and not acked within this is handed out again (shorter than an instance's
 * time to be declared dead, so an `occupied` lost with its instance is sent before the `vacated`
 * its death leads to). */
export const LEASE_MS = 5000
const BATCH = 100

export function createDueEvents(redis: Redis, keyPrefix: string, options: Pick<TrackerOptions, 'handle' | 'log'>) {
  let timer: NodeJS.Timeout | undefined
  const warn = (error: unknown, message: string) => options.log.warn({ err: error }, message)

  async function handOut(events: string[]): Promise<void> {
    await Promise.all(
      events.map(async (json) => {
        try {
          await options.handle(JSON.parse(json) as MembershipEvent)
          await redis.zrem(`${keyPrefix}due`, json)
        } catch (error) {
          warn(error, 'membership event not handled: it is handed out again')
        }
      }),
    )
  }

  async function claim(): Promise<void> {
    for (;;) {
      const [now, nextAt, ...events] = await claimDue(redis, { prefix: keyPrefix, limit: BATCH, lease: LEASE_MS })
      await handOut(events)
      if (events.length < BATCH) return void (nextAt > 0 && claimIn(nextAt - now))
    }
  }

  /** Claims what is due in `delayMs` (the regular upkeep claims every second anyway; this is on time). */
  function claimIn(delayMs: number): void {
    clearTimeout(timer)
    timer = setTimeout(() => void claim().catch((error: unknown) => warn(error, 'due membership events not read')), Math.max(0, delayMs) + 5)
    timer.unref()
  }

  return { handOut, claim, claimIn, stop: () => clearTimeout(timer) }
}
