// A Redis that keeps nothing on disk loses every queued postback when it restarts. That must not
// go unnoticed: at start the store warns when Redis has no persistence; a marker key written at
// start is looked for after every reconnect, and when it is gone the loss is recorded in Redis
// (so every instance reports it for a day), logged at error level and listed by /health.
import type { Redis } from 'ioredis'
import { codes } from '../../errors.js'
import type { StoreProblem } from '../../postbacks/store.js'
import type { RedisKeys } from './keys.js'

/** How long every instance reports a data loss after it was noticed. */
const REPORTED_FOR_MS = 24 * 3_600_000

export interface DataLossEvents {
  /** Redis keeps nothing on disk: a restart of Redis loses the queue. */
  onNoPersistence(detail: string): void
  /** The marker was gone: Redis lost its data. */
  onDataLost(since: Date): void
}

export function watchForDataLoss(redis: Redis, keys: RedisKeys, events: DataLossEvents) {
  let lostSince: number | undefined

  /** Reads what any instance noticed; the marker missing after start means the data is gone. */
  async function check(): Promise<void> {
    const now = Date.now()
    if ((await redis.set(keys.marker, String(now), 'NX')) === 'OK') {
      await redis.set(keys.dataLost, String(now), 'PX', REPORTED_FOR_MS, 'NX')
    }
    const noticed = await redis.get(keys.dataLost)
    if (noticed === null) return
    if (lostSince !== Number(noticed)) events.onDataLost(new Date(Number(noticed)))
    lostSince = Number(noticed)
  }

  return {
    /** At start: writes the marker and warns when Redis would lose everything on a restart. */
    async start(): Promise<void> {
      await redis.set(keys.marker, String(Date.now()), 'NX')
      const noticed = await redis.get(keys.dataLost)
      if (noticed !== null) lostSince = Number(noticed)
      const detail = await persistenceOff(redis)
      if (detail) events.onNoPersistence(detail)
      redis.on('ready', () => void check().catch(() => undefined))
    },

    /** Run now and then too: a reconnect may go unseen. */
    check,

    problems(): StoreProblem[] {
      if (lostSince === undefined || Date.now() - lostSince > REPORTED_FOR_MS) return []
      return [
        {
          code: codes.REDIS_DATA_LOST,
          message:
            'Redis lost its data (it restarted without persistence): postbacks queued before then are gone. ' +
            'Turn on appendonly or RDB snapshots in Redis.',
          since: new Date(lostSince).toISOString(),
        },
      ]
    },
  }
}

/** A description of why Redis keeps nothing on disk, or undefined when it persists (or cannot tell). */
async function persistenceOff(redis: Redis): Promise<string | undefined> {
  try {
    const [, save] = (await redis.config('GET', 'save')) as string[]
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[]
    if ((save ?? '').trim() === '' && appendonly === 'no') return 'save is empty and appendonly is no'
  } catch {
    // CONFIG may be disabled (managed Redis): nothing to say.
  }
  return undefined
}
