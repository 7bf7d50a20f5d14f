// Every destination the embedded store knows, in memory (one process owns the DATA_DIR) and
// written through to the `destinations` table: its settings, pause, health (quarantine), hold
// (Retry-After), rate bucket, secrets, and the fair-delivery window of its attempts in flight.
// The scheduler asks it how many attempts a destination may start now and tells it how each ended.
import { IDLE_MS, RECENT_ATTEMPTS, byBusiest, isNoteworthy, limitOf, nextWindow, type DestinationStats } from '../../postbacks/destination-window.js'
import { HEALTHY, afterAttempt, afterTime, checkAt, type Health, type HealthRules } from '../../destinations/health.js'
import { nextTokenAt, refill, type Bucket } from '../../destinations/rate.js'
import { NO_SETTINGS, type DestinationEvent, type DestinationSettings } from '../../destinations/types.js'
import type { AttemptReport, NotSentReport } from '../../postbacks/store.js'
import type { AttemptOutcome, DestinationSigning, DueDelivery } from '../../postbacks/types.js'

export interface Destination {
  settings: DestinationSettings
  pausedAt: number | null
  activeSince: number | null
  health: Health
  holdUntil: number | null
  lastAttemptAt: number | null
  lastError: string | null
  secret: string | null
  previousSecret: string | null
  rotatedAt: number | null
  /** the rest is not stored: it starts afresh with the process */
  bucket?: Bucket
  inFlight: number
  window: number
  /** 1 per failed attempt, 0 per success; the most recent RECENT_ATTEMPTS */
  recent: number[]
  lastActive: number
}

export type StoredDestination = Omit<Destination, 'bucket' | 'inFlight' | 'window' | 'recent' | 'lastActive'>

export interface BookOptions {
  /** POSTBACK_HOST_CONCURRENCY */
  cap: number
  rules: HealthRules
  /** reads every stored destination at start */
  stored: Map<string, StoredDestination>
  now?: () => number
}

/** How an attempt's end changes its postback and its destination. */
export interface Verdict {
  outcome: AttemptOutcome
  event?: DestinationEvent
}

export class DestinationBook {
  readonly #cap: number
  readonly #rules: HealthRules
  readonly #now: () => number
  readonly #destinations = new Map<string, Destination>()
  /** changed since the last save */
  readonly #dirty = new Set<string>()

  constructor(options: BookOptions) {
    this.#cap = options.cap
    this.#rules = options.rules
    this.#now = options.now ?? Date.now
    for (const [name, stored] of options.stored) this.#destinations.set(name, this.#fresh(stored))
  }

  /** The destination, created (unsaved) when new. */
  entry(destination: string): Destination {
    let found = this.#destinations.get(destination)
    if (!found) {
      found = this.#fresh({
        settings: { ...NO_SETTINGS },
        pausedAt: null,
        activeSince: this.#now(),
        health: { ...HEALTHY },
        holdUntil: null,
        lastAttemptAt: null,
        lastError: null,
        secret: null,
        previousSecret: null,
        rotatedAt: null,
      })
      this.#destinations.set(destination, found)
    }
    this.#forgetIfIdle(found)
    return found
  }

  known(destination: string): Destination | undefined {
    return this.#destinations.get(destination)
  }

  names(): string[] {
    return [...this.#destinations.keys()]
  }

  /** Marks a change made from outside (settings, pause, secrets) for the next save. */
  touched(destination: string): void {
    this.#dirty.add(destination)
  }

  /** Attempts the destination may have in flight now (0 when paused, quarantined, held or out of tokens). */
  limit(destination: string): number {
    const d = this.entry(destination)
    if (d.health.quarantinedAt !== null) return 1
    return limitOf(d.window, this.#capOf(d))
  }

  /** How many more attempts to `destination` may start now. */
  free(destination: string, now = this.#now()): number {
    const d = this.entry(destination)
    if (d.pausedAt !== null || (d.holdUntil !== null && d.holdUntil > now)) return 0
    if (d.health.quarantinedAt !== null) return d.inFlight === 0 && d.health.probeAt !== null && d.health.probeAt <= now ? 1 : 0
    let free = Math.max(0, this.limit(destination) - d.inFlight)
    if (free > 0 && d.settings.ratePerSecond !== null) {
      d.bucket = refill(d.bucket, d.settings.ratePerSecond, now)
      free = Math.min(free, Math.floor(d.bucket.tokens))
    }
    return free
  }

  /**
   * When a destination that may start nothing now for a reason of time (hold, probe, rate) may
   * start again; null when it waits for something else (a slot, a resume).
   */
  openAt(destination: string, now = this.#now()): number | null {
    const d = this.entry(destination)
    if (d.pausedAt !== null) return null
    const times: number[] = []
    if (d.holdUntil !== null && d.holdUntil > now) times.push(d.holdUntil)
    if (d.health.quarantinedAt !== null && d.health.probeAt !== null) times.push(d.health.probeAt)
    if (d.settings.ratePerSecond !== null) {
      d.bucket = refill(d.bucket, d.settings.ratePerSecond, now)
      if (d.bucket.tokens < 1) times.push(nextTokenAt(d.bucket, d.settings.ratePerSecond))
    }
    return times.length ? Math.max(...times) : null
  }

  /** An attempt starts; says whether it probes a quarantined destination. */
  acquire(destination: string, now = this.#now()): { probe: boolean } {
    const d = this.entry(destination)
    d.inFlight++
    d.lastActive = now
    if (d.bucket) d.bucket.tokens -= 1
    if (d.health.quarantinedAt === null) return { probe: false }
    d.health = { ...d.health, probeAt: null }
    return { probe: true }
  }

  /** An attempt was cut off (shutdown) or never decided: it frees its slot and says nothing of the receiver. */
  abandon(destination: string): void {
    const d = this.entry(destination)
    d.inFlight = Math.max(0, d.inFlight - 1)
    if (d.health.quarantinedAt !== null && d.health.probeAt === null) d.health = { ...d.health, probeAt: this.#now() }
  }

  /** A delivery was not sent: it frees its slot, and the destination waits until `until`, saying why; its load and health stay as they were. */
  notSent(destination: string, { until, error }: NotSentReport['notSent']): void {
    this.abandon(destination)
    const d = this.entry(destination)
    d.holdUntil = Math.max(d.holdUntil ?? 0, until)
    d.lastError = error
    this.#dirty.add(destination)
  }

  /** The secrets a delivery to the destination is signed with; undefined when it has none of its own. */
  signing(destination: string): DestinationSigning | undefined {
    const d = this.entry(destination)
    if (d.secret === null && d.previousSecret === null) return undefined
    return {
      ...(d.secret === null ? {} : { secret: d.secret }),
      ...(d.previousSecret === null ? {} : { previousSecret: d.previousSecret }),
      ...(d.rotatedAt === null ? {} : { rotatedAt: d.rotatedAt }),
    }
  }

  /** An attempt ended: the window, the health and the hold change, and the outcome may too. */
  release(delivery: DueDelivery, report: AttemptReport, now = this.#now()): Verdict {
    const d = this.entry(delivery.destination)
    d.inFlight = Math.max(0, d.inFlight - 1)
    d.lastActive = now
    d.window = nextWindow(d.window, report.load, this.#capOf(d))
    d.recent.push(report.load === 'success' ? 0 : 1)
    if (d.recent.length > RECENT_ATTEMPTS) d.recent.shift()
    const { attempt } = report.outcome
    d.lastAttemptAt = Date.parse(attempt.at)
    d.lastError = report.load === 'success' ? null : (attempt.error ?? null)
    if (report.holdUntil !== undefined && report.holdUntil > now) d.holdUntil = Math.max(d.holdUntil ?? 0, report.holdUntil)
    const change = afterAttempt(
      d.health,
      {
        signal: report.streak,
        probe: delivery.probe === true,
        wouldFail: report.outcome.kind === 'failed',
        ...(attempt.error === undefined ? {} : { error: attempt.error }),
        now,
      },
      this.#rules,
    )
    d.health = change.health
    if (change.event?.kind === 'recovered') d.activeSince = now
    this.#dirty.add(delivery.destination)
    return {
      outcome: this.#keepWhileQuarantined(d, report, now),
      ...(change.event ? { event: this.#event(delivery.destination, change.event, now) } : {}),
    }
  }

  /** Quarantines destinations whose failure streak has lasted long enough; their events. */
  checkTime(now = this.#now()): DestinationEvent[] {
    const events: DestinationEvent[] = []
    for (const [name, d] of this.#destinations) {
      const change = afterTime(d.health, now, this.#rules)
      if (!change.event) continue
      d.health = change.health
      this.#dirty.add(name)
      events.push(this.#event(name, change.event, now))
    }
    return events
  }

  /** When checkTime may next have something to do. */
  nextCheckAt(): number | null {
    let earliest: number | null = null
    for (const d of this.#destinations.values()) {
      const at = checkAt(d.health, this.#rules)
      if (at !== null && (earliest === null || at < earliest)) earliest = at
    }
    return earliest
  }

  /** Destinations quarantined since `before` or earlier. */
  quarantinedSince(before: number): string[] {
    return [...this.#destinations].filter(([, d]) => d.health.quarantinedAt !== null && d.health.quarantinedAt <= before).map(([n]) => n)
  }

  /** The destinations changed since the last call, as they are to be stored. */
  takeChanges(): [string, StoredDestination][] {
    const changed = [...this.#dirty].map((name): [string, StoredDestination] => {
      const { bucket: _bucket, inFlight: _inFlight, window: _window, recent: _recent, lastActive: _lastActive, ...stored } = this.entry(name)
      return [name, stored]
    })
    this.#dirty.clear()
    return changed
  }

  /** The fair-delivery figures of one destination. */
  stats(destination: string): DestinationStats {
    const d = this.entry(destination)
    const failures = d.recent.reduce((a, b) => a + b, 0)
    return {
      destination,
      inFlight: d.inFlight,
      limit: this.limit(destination),
      failureRate: d.recent.length ? failures / d.recent.length : 0,
    }
  }

  /** Destinations that are busy, held back or failing. */
  snapshot(): DestinationStats[] {
    return this.names()
      .map((name) => this.stats(name))
      .filter((stats) => isNoteworthy(stats, this.#cap))
      .sort(byBusiest)
  }

  /** A counted failure that would end the postback leaves it pending while the destination is quarantined. */
  #keepWhileQuarantined(d: Destination, report: AttemptReport, now: number): AttemptOutcome {
    const { outcome } = report
    if (d.health.quarantinedAt === null || report.streak !== 'fail' || outcome.kind !== 'failed') return outcome
    return { kind: 'retry', attempt: outcome.attempt, retryAt: d.health.probeAt ?? now }
  }

  #event(destination: string, event: { kind: 'quarantined' | 'recovered'; reason: string }, now: number): DestinationEvent {
    return { event: `destination.${event.kind}`, destination, reason: event.reason, at: now }
  }

  #fresh(stored: StoredDestination): Destination {
    return { ...stored, inFlight: 0, window: stored.settings.maxConcurrency ?? this.#cap, recent: [], lastActive: this.#now() }
  }

  /** Its cap: maxConcurrency, or POSTBACK_HOST_CONCURRENCY. */
  #capOf(d: Destination): number {
    return d.settings.maxConcurrency ?? this.#cap
  }

  /** An idle destination's window and recent outcomes start afresh (its stored state stays). */
  #forgetIfIdle(d: Destination): void {
    if (d.inFlight === 0 && d.recent.length > 0 && this.#now() - d.lastActive > IDLE_MS) {
      d.window = this.#capOf(d)
      d.recent = []
    }
  }
}
