// This instance's side of cluster delivery. Due postbacks are claimed in Redis, where every
// instance's claims count against each destination's limit, so the limits hold cluster-wide.
//
// No polling: a claim runs when this instance has free slots and work may be due — after its own
// attempts finish (their records and the next claim share one round trip), when another instance
// announces due work on the `wake` channel, and at the earliest due time Redis reported. Each
// claim holds a lease that this instance renews while the attempt runs; the leases of an instance
// that dies run out after POSTBACK_LOCK_MS, and any instance's clockwork (every second) then makes
// those postbacks due again and frees their slots.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { GIVE_UP_ERROR, quarantineReason } from '../../destinations/health.js'
import type { DestinationEvent } from '../../destinations/types.js'
import type { AttemptReport, DeliveryHandler, DeliveryReport, NotSentReport } from '../../postbacks/store.js'
import type { DueDelivery, PostbackView } from '../../postbacks/types.js'
import { DueTimer } from '../due-timer.js'
import { waitAtMost } from '../drain.js'
import type { RedisKeys } from './keys.js'
import { renewLeases, runClockwork, takeUnhandledEnds } from './lua/leases.js'
import type { CommonArgs } from './lua/library.js'
import { settleAndClaim, type RawDestinationEvent, type SettleRecord } from './lua/settle-and-claim.js'
import { CLAIM_WIDTH, DUE_FIELDS, toDue } from './record.js'

export interface DeliveryLoopOptions {
  redis: Redis
  /** a connection of its own, in subscriber mode */
  subscriber: Redis
  keys: RedisKeys
  /** how long a claim lasts without renewal */
  lockMs: number
  /** DESTINATION_GIVE_UP_AFTER_MS */
  giveUpAfterMs: number
  /** the first arguments of every script, at this moment */
  common: () => CommonArgs
  handler: DeliveryHandler
  /** reads a postback for the handler's onEnded */
  view: (id: string) => Promise<PostbackView | undefined>
}

interface Settling {
  record: SettleRecord
  /** set when the attempt may have ended the postback */
  ended?: { delivery: DueDelivery; status: 'completed' | 'failed' }
}

/** After a failed round trip (Redis unreachable), the next try. */
const RETRY_MS = 1000
/** Round trips under way at once: the next ends need not wait for the one in progress. */
const PARALLEL_ROUND_TRIPS = 2
/** Most leases, streaks and quarantines the clockwork handles per run. */
const CLOCKWORK_LIMIT = 500
/** How often ends that their instance did not hand over within POSTBACK_LOCK_MS are looked for. */
const UNHANDLED_ENDS_EVERY_MS = 1000

export function clockworkIntervalMs(lockMs: number): number {
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
  /** ends whose callbacks are queued, to be marked handled with the next round trip */
  #handled: string[] = []
  #claims = 0
  /** round trips under way, and the claims they asked for (not yet in #inFlight) */
  readonly #roundTrips = new Set<Promise<void>>()
  #reserved = 0
  /** false once a claim found nothing due: only new work (a wake-up, a due time, an end) asks again */
  #claimMayFind = true
  #flushRequested = false
  /** after a failed round trip: none starts before this time (epoch ms), whatever asks for one */
  #retryAt = 0
  #closed = false

  constructor(options: DeliveryLoopOptions) {
    this.#options = options
  }

  start(): void {
    const { subscriber, keys, lockMs } = this.#options
    subscriber.on('message', (_channel: string, at: string) => this.#woken(Number(at)))
    subscriber.subscribe(keys.wake).catch((error: unknown) => this.#options.handler.reportError(error))
    this.#every(Math.max(200, Math.floor(lockMs / 3)), () => this.#renew())
    this.#every(clockworkIntervalMs(lockMs), () => this.#clockwork())
    this.#every(UNHANDLED_ENDS_EVERY_MS, () => this.#takeUnhandledEnds())
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
    await Promise.all(this.#roundTrips)
    await this.#roundTrip()
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
    // Called on anything that may make work claimable: an end (a slot freed), a wake-up, a due time.
    this.#claimMayFind = true
    if (this.#flushRequested) return
    this.#flushRequested = true
    setImmediate(() => {
      this.#flushRequested = false
      this.#flush()
    })
  }

  /**
   * Starts round trips while there is something to record or room to claim, up to
   * PARALLEL_ROUND_TRIPS at once: an attempt that ends while one is under way does not wait for it.
   */
  #flush(): void {
    // A round trip to an unreachable Redis fails at once: trying again on every end or wake-up
    // would spin without ever yielding to the event loop.
    if (Date.now() < this.#retryAt) {
      if (!this.#closed) this.#timer.armAt(this.#retryAt)
      return
    }
    while (this.#roundTrips.size < PARALLEL_ROUND_TRIPS && this.#hasWork()) {
      const trip: Promise<void> = this.#roundTrip().then((more) => {
        this.#roundTrips.delete(trip)
        if (more || this.#hasWork()) this.#flush()
      })
      this.#roundTrips.add(trip)
    }
  }

  /** Claims this instance has room for, beyond those already asked for. */
  #wanted(): number {
    return this.#closed ? 0 : this.#options.handler.concurrency - this.#inFlight.size - this.#reserved
  }

  #hasWork(): boolean {
    return this.#settling.length > 0 || this.#handled.length > 0 || (this.#wanted() > 0 && this.#claimMayFind)
  }

  /** One round trip; true when there may be more to claim at once. */
  async #roundTrip(): Promise<boolean> {
    const { redis, lockMs, handler } = this.#options
    const batch = this.#settling
    const handled = this.#handled
    const wanted = Math.max(0, this.#wanted())
    if (batch.length === 0 && handled.length === 0 && wanted === 0) return false
    this.#settling = []
    this.#handled = []
    this.#reserved += wanted
    const common = this.#options.common()
    const lease = `${this.#instance}:${++this.#claims}`
    let result
    try {
      result = await settleAndClaim(redis, {
        ...common,
        records: JSON.stringify(batch.map((s) => s.record)),
        handled: JSON.stringify(handled),
        wanted,
        lease,
        leaseUntil: Number(common.now) + lockMs,
      })
    } catch (error) {
      this.#settling.unshift(...batch)
      this.#handled.unshift(...handled)
      handler.reportError(error)
      this.#retryAt = Date.now() + RETRY_MS
      if (!this.#closed) this.#timer.armAt(this.#retryAt)
      return false
    } finally {
      this.#reserved -= wanted
    }
    const [recorded, claimed, nextDue, events] = result
    batch.forEach(({ ended }, i) => {
      if (recorded[i]! >= 2 && ended) this.#handOver(ended.delivery, ended.status, recorded[i] === 3)
    })
    this.#report(events)
    for (let i = 0; i < claimed.length; i += CLAIM_WIDTH) {
      this.#start(toDue(claimed[i]!, claimed.slice(i + 1, i + CLAIM_WIDTH)), lease)
    }
    // Claiming again at once is only worth it while due work is left and the last claim found some.
    const dueAt = nextDue === '' ? Number.POSITIVE_INFINITY : Number(nextDue)
    this.#claimMayFind = dueAt <= Date.now() && claimed.length > 0
    if (this.#closed || nextDue === '') return false
    if (dueAt > Date.now()) this.#timer.armAt(dueAt)
    return this.#claimMayFind && this.#wanted() > 0
  }

  /** Hands an end to the handler; when it waits in Redis, it is marked handled once the handler is done. */
  #handOver(delivery: DueDelivery, status: 'completed' | 'failed', waits: boolean): void {
    const { handler, view } = this.#options
    const done = handler.onEnded({ delivery, status, view: () => view(delivery.id) })
    if (!waits) return
    Promise.resolve(done).then(
      () => {
        this.#handled.push(delivery.id)
        this.#requestFlush()
      },
      (error: unknown) => handler.reportError(error),
    )
  }

  /** Destination events the scripts saw, as the handler hears them. */
  #report(events: string[]): void {
    for (let i = 0; i < events.length; i += 4) {
      const [kind, destination, detail, since] = events.slice(i, i + 4) as RawDestinationEvent
      const reason = kind === 'quarantined' ? quarantineReason(Number(detail), Number(since)) : detail
      const event: DestinationEvent = { event: `destination.${kind}` as DestinationEvent['event'], destination, reason, at: Date.now() }
      this.#options.handler.onDestinationEvent?.(event)
    }
  }

  #start(delivery: DueDelivery, lease: string): void {
    const { handler } = this.#options
    const settle = (record: Omit<SettleRecord, 'id' | 'lease'>, ended?: Settling['ended']) => {
      this.#settling.push({ record: { id: delivery.id, lease, ...record }, ...(ended ? { ended } : {}) })
    }
    const release = () => settle(releaseRecord(delivery))
    const run = handler
      .deliver(delivery, this.#shutdown.signal)
      .then((report: DeliveryReport) => {
        // Cut off by shutdown: handed back at once, for any instance to deliver.
        if (this.#shutdown.signal.aborted) return release()
        if ('notSent' in report) return settle(releaseRecord(delivery, report.notSent))
        // A failed outcome may be kept pending by a quarantine; the script says which ended.
        settle(recordOf(delivery, report), report.outcome.kind === 'retry' ? undefined : { delivery, status: report.outcome.kind })
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
    const { redis, lockMs } = this.#options
    const common = this.#options.common()
    const leases = [...this.#inFlight].map(([id, { lease }]) => [id, lease])
    await renewLeases(redis, { ...common, leaseUntil: Number(common.now) + lockMs, leases: JSON.stringify(leases) })
  }

  async #clockwork(): Promise<void> {
    const { redis, handler, giveUpAfterMs } = this.#options
    const [, nextDue, events] = await runClockwork(redis, {
      ...this.#options.common(),
      limit: CLOCKWORK_LIMIT,
      giveUpAfterMs,
      error: GIVE_UP_ERROR,
    })
    this.#report(events)
    // Also a safety net for a wake-up this instance missed (a reconnect of its subscriber).
    if (nextDue !== '' && !this.#closed && this.#inFlight.size < handler.concurrency) this.#woken(Number(nextDue))
  }

  async #takeUnhandledEnds(): Promise<void> {
    if (this.#closed) return
    // An instance that stopped answering keeps its ends, like its leases, for POSTBACK_LOCK_MS.
    const { redis, lockMs } = this.#options
    const taken = await takeUnhandledEnds(redis, { ...this.#options.common(), graceMs: lockMs, limit: 100 })
    const width = 2 + DUE_FIELDS.length
    for (let i = 0; i < taken.length; i += width) {
      const status = taken[i + 1] as 'completed' | 'failed'
      this.#handOver(toDue(taken[i]!, taken.slice(i + 2, i + width)), status, true)
    }
  }
}

function recordOf(delivery: DueDelivery, { outcome, load, streak, holdUntil }: AttemptReport): Omit<SettleRecord, 'id' | 'lease'> {
  const { attempt } = outcome
  return {
    kind: outcome.kind,
    retryAt: outcome.kind === 'retry' ? String(outcome.retryAt) : '',
    error: attempt.error ?? '',
    statusCode: attempt.statusCode === undefined ? '' : String(attempt.statusCode),
    attempt: JSON.stringify(attempt),
    startedAt: String(Date.parse(attempt.at)),
    load,
    streak,
    probe: delivery.probe ? '1' : '',
    hold: holdUntil === undefined ? '' : String(holdUntil),
  }
}

/** Handed back without an attempt: cut off by shutdown (due again at once), or not sent (due, and its destination held, until then). */
const releaseRecord = (delivery: DueDelivery, notSent?: NotSentReport['notSent']): Omit<SettleRecord, 'id' | 'lease'> => ({
  kind: 'release',
  retryAt: notSent ? String(notSent.until) : '',
  error: notSent?.error ?? '',
  statusCode: '',
  attempt: '',
  startedAt: '',
  load: '',
  streak: '',
  probe: delivery.probe ? '1' : '',
  hold: notSent ? String(notSent.until) : '',
})
