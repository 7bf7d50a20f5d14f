// This instance's side of cluster delivery. Due postbacks are claimed in Redis, where every
// instance's claims count against each destination's limit, so the limits hold cluster-wide.
//
// No polling: a claim runs when this instance has free slots and work may be due — after its own
// attempts finish (their records and the next claim share one round trip), when another instance
// announces due work on the `wake` channel, and at the earliest due time Redis reported. Each
// claim holds a lease that this instance renews while the attempt runs; the leases of an instance
// that dies run out after POSTBACK_LOCK_MS, and any instance's reaper (every second) then makes
// those postbacks due again and frees their slots.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { DueDelivery, PostbackView } from '../../postbacks/types.js'
import { DueTimer } from '../due-timer.js'
import { waitAtMost } from '../drain.js'
import type { AttemptReport, DeliveryHandler } from '../../postbacks/store.js'
import type { RedisKeys } from './keys.js'
import { reapLeases, renewLeases } from './lua/leases.js'
import { settleAndClaim, type SettleRecord } from './lua/settle-and-claim.js'
import { DUE_FIELDS, toDue } from './record.js'

export interface DeliveryLoopOptions {
  redis: Redis
  /** a connection of its own, in subscriber mode */
  subscriber: Redis
  keys: RedisKeys
  /** how long a claim lasts without renewal */
  lockMs: number
  /** deliveries in flight at once to one destination, cluster-wide, before its window shrinks it */
  hostConcurrency: number
  handler: DeliveryHandler
  /** reads a postback for the handler's onEnded */
  view(id: string): Promise<PostbackView | undefined>
}

interface Settling {
  record: SettleRecord
  /** set when the attempt ended the postback */
  ended?: { delivery: DueDelivery; status: 'completed' | 'failed' }
}

/** After a failed round trip (Redis unreachable), the next try. */
const RETRY_MS = 1000
/** Most expired leases taken back per reaper run. */
const REAP_LIMIT = 500

export function reaperIntervalMs(lockMs: number): number {
  return Math.min(1000, Math.floor(lockMs / 2))
}

export class DeliveryLoop {
  readonly #options: DeliveryLoopOptions
  readonly #instance = randomBytes(6).toString('hex')
  readonly #inFlight = new Map<string, { lease: string; run: Promise<void> }>()
  readonly #shutdown = new AbortController()
  readonly #timer = new DueTimer(() => this.#requestFlush())
  readonly #intervals: NodeJS.Timeout[] = []
  #settling: Settling[] = []
  #claims = 0
  #flushing: Promise<void> | undefined
  #flushAgain = false
  #flushRequested = false
  #closed = false

  constructor(options: DeliveryLoopOptions) {
    this.#options = options
  }

  start(): void {
    const { subscriber, keys, lockMs } = this.#options
    subscriber.on('message', (_channel: string, at: string) => this.#woken(Number(at)))
    subscriber.subscribe(keys.wake).catch((error: unknown) => this.#options.handler.reportError(error))
    this.#every(Math.max(200, Math.floor(lockMs / 3)), () => this.#renew())
    this.#every(reaperIntervalMs(lockMs), () => this.#reap())
    this.#requestFlush()
  }

  /** Stops claiming, gives attempts in flight up to drainMs, then hands the rest back. */
  async close(drainMs: number): Promise<void> {
    this.#closed = true
    this.#timer.disarm()
    await this.#options.subscriber.unsubscribe().catch(() => undefined)
    const all = () => Promise.all([...this.#inFlight.values()].map((f) => f.run))
    await waitAtMost(all(), drainMs)
    this.#shutdown.abort()
    await all()
    for (const interval of this.#intervals) clearInterval(interval)
    await this.#flushing
    await this.#flush()
    this.#options.subscriber.disconnect()
  }

  #every(ms: number, work: () => Promise<void>): void {
    const interval = setInterval(() => {
      work().catch((error: unknown) => this.#options.handler.reportError(error))
    }, ms)
    interval.unref()
    this.#intervals.push(interval)
  }

  #woken(at: number): void {
    if (this.#closed || this.#inFlight.size >= this.#options.handler.concurrency || !Number.isFinite(at)) return
    if (at <= Date.now()) this.#requestFlush()
    else this.#timer.armAt(at)
  }

  /** Attempts that end in the same turn of the event loop are recorded together. */
  #requestFlush(): void {
    if (this.#flushRequested) return
    this.#flushRequested = true
    setImmediate(() => {
      this.#flushRequested = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    if (this.#flushing) {
      this.#flushAgain = true
      return this.#flushing
    }
    this.#flushing = (async () => {
      do this.#flushAgain = false
      while ((await this.#settleAndClaim()) || this.#flushAgain)
    })()
    try {
      await this.#flushing
    } finally {
      this.#flushing = undefined
    }
  }

  /** One round trip; true when there may be more to claim at once. */
  async #settleAndClaim(): Promise<boolean> {
    const { redis, keys, lockMs, handler, hostConcurrency } = this.#options
    const batch = this.#settling
    const wanted = this.#closed ? 0 : handler.concurrency - this.#inFlight.size
    if (batch.length === 0 && wanted <= 0) return false
    this.#settling = []
    const now = Date.now()
    const lease = `${this.#instance}:${++this.#claims}`
    let result
    try {
      result = await settleAndClaim(redis, {
        prefix: keys.prefix,
        now,
        cap: hostConcurrency,
        records: JSON.stringify(batch.map((s) => s.record)),
        wanted: Math.max(0, wanted),
        lease,
        leaseUntil: now + lockMs,
      })
    } catch (error) {
      this.#settling.unshift(...batch)
      handler.reportError(error)
      if (!this.#closed) this.#timer.armAt(Date.now() + RETRY_MS)
      return false
    }
    const [recorded, claimed, nextDue] = result
    batch.forEach(({ ended }, i) => {
      if (recorded[i] === 1 && ended) {
        const { delivery, status } = ended
        handler.onEnded({ delivery, status, view: () => this.#options.view(delivery.id) })
      }
    })
    const width = 1 + DUE_FIELDS.length
    for (let i = 0; i < claimed.length; i += width) {
      this.#start(toDue(claimed[i]!, claimed.slice(i + 1, i + width)), lease)
    }
    if (nextDue === '' || this.#closed) return false
    const dueAt = Number(nextDue)
    const roomLeft = this.#inFlight.size < handler.concurrency
    if (dueAt > Date.now()) this.#timer.armAt(dueAt)
    // Due work left and room for it: only worth another round trip if this one found some.
    return roomLeft && dueAt <= Date.now() && claimed.length > 0
  }

  #start(delivery: DueDelivery, lease: string): void {
    const { handler } = this.#options
    const settle = (record: Omit<SettleRecord, 'id' | 'lease'>, ended?: Settling['ended']) => {
      this.#settling.push({ record: { id: delivery.id, lease, ...record }, ...(ended ? { ended } : {}) })
    }
    const release = () => settle({ kind: 'release', retryAt: '', error: '', statusCode: '', attempt: '', load: '' })
    const run = handler
      .deliver(delivery, this.#shutdown.signal)
      .then(({ outcome, load }: AttemptReport) => {
        // Cut off by shutdown: handed back at once, for any instance to deliver.
        if (this.#shutdown.signal.aborted) {
          release()
          return
        }
        const { attempt } = outcome
        settle(
          {
            kind: outcome.kind,
            retryAt: outcome.kind === 'retry' ? String(outcome.retryAt) : '',
            error: attempt.error ?? '',
            statusCode: attempt.statusCode === undefined ? '' : String(attempt.statusCode),
            attempt: JSON.stringify(attempt),
            load,
          },
          outcome.kind === 'retry' ? undefined : { delivery, status: outcome.kind },
        )
      })
      .catch((error: unknown) => {
        handler.reportError(error)
        release()
      })
      .finally(() => {
        this.#inFlight.delete(delivery.id)
        this.#requestFlush()
      })
    this.#inFlight.set(delivery.id, { lease, run })
  }

  async #renew(): Promise<void> {
    if (this.#inFlight.size === 0) return
    const { redis, keys, lockMs } = this.#options
    const leases = [...this.#inFlight].map(([id, { lease }]) => [id, lease])
    await renewLeases(redis, { prefix: keys.prefix, leaseUntil: Date.now() + lockMs, leases: JSON.stringify(leases) })
  }

  async #reap(): Promise<void> {
    const { redis, keys, handler, hostConcurrency } = this.#options
    const [, nextDue] = await reapLeases(redis, { prefix: keys.prefix, now: Date.now(), cap: hostConcurrency, limit: REAP_LIMIT })
    // Also a safety net for a wake-up this instance missed (a reconnect of its subscriber).
    if (nextDue !== '' && !this.#closed && this.#inFlight.size < handler.concurrency) this.#woken(Number(nextDue))
  }
}
