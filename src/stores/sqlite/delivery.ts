// The embedded store's delivery side: the Scheduler over the postbacks table, the clock that
// quarantines and gives up on destinations, the activity chart, and ends handed over again after
// a restart. Runs from consume() to close().
import { GIVE_UP_ERROR } from '../../destinations/health.js'
import type { ActivityRecorder } from '../../postbacks/activity.js'
import type { DeliveryHandler } from '../../postbacks/store.js'
import type { PostbackStatus, PostbackView } from '../../postbacks/types.js'
import type { DestinationBook } from './destination-book.js'
import type { destinationRows } from './destination-rows.js'
import type { DueSource } from './due-source.js'
import { toDue, type DueRow } from './rows.js'
import { Scheduler } from './scheduler.js'
import { settleParams, type Statements } from './statements.js'

/** How often quarantine's clock rules are checked. */
const HEALTH_CHECK_MS = 1000

export interface SqliteDeliveryContext {
  sql: Statements
  book: DestinationBook
  destinations: ReturnType<typeof destinationRows>
  activity: ActivityRecorder
  transaction: <T>(work: () => T) => T
  read: (id: string) => PostbackView | undefined
  /** DESTINATION_GIVE_UP_AFTER_MS */
  giveUpAfterMs: number
}

export class SqliteDelivery {
  readonly #context: SqliteDeliveryContext
  readonly #handler: DeliveryHandler
  readonly #scheduler: Scheduler
  readonly #health: NodeJS.Timeout

  constructor(context: SqliteDeliveryContext, handler: DeliveryHandler) {
    this.#context = context
    this.#handler = handler
    this.#scheduler = new Scheduler(this.#source(), handler, context.book, context.activity)
    this.#handOverUnhandledEnds()
    this.#health = setInterval(() => {
      try {
        this.#checkHealth()
      } catch (error) {
        handler.reportError(error)
      }
    }, HEALTH_CHECK_MS)
    this.#health.unref()
  }

  get scheduler(): Scheduler {
    return this.#scheduler
  }

  /** Ids of the postbacks being delivered, as JSON (the statements leave them out of picks and counts). */
  processingJson(): string {
    return JSON.stringify(this.#scheduler.processing)
  }

  async close(drainMs: number): Promise<void> {
    clearInterval(this.#health)
    await this.#scheduler.close(drainMs)
  }

  /** A due postback as the scheduler hands it out: with its destination's timeout unless it has its own. */
  due = (row: DueRow) => toDue(row, this.#context.book.entry(row.destination).settings.timeoutMs)

  #source(): DueSource {
    const { sql, book, destinations, transaction, read } = this.#context
    return {
      dueFor: (destination, now, limit, picked) =>
        (sql.dueFor.all({ destination, now, limit, picked: JSON.stringify(picked) }) as DueRow[]).map(this.due),
      nextDueFor: (destination, picked) =>
        (sql.nextDueFor.get({ destination, picked: JSON.stringify(picked) }) as { at: number } | undefined)?.at ?? null,
      nextDueByDestination: () =>
        new Map((sql.nextDueByDestination.all() as { destination: string; at: number }[]).map((r) => [r.destination, r.at])),
      settle: (id, outcome, now) => sql.settle.run(settleParams(id, outcome, now)).changes === 1,
      putBack: (id, { until, error }, now) => sql.putBack.run({ id, now, until, error }).changes === 1,
      view: read,
      transaction,
      saveDestinations: () => destinations.save(book.takeChanges()),
      endsHandled: (ids) => void sql.callbacksDone.run({ ids: JSON.stringify(ids) }),
    }
  }

  /** Quarantine by the clock, giving up on destinations quarantined too long, and the queue depth. */
  #checkHealth(): void {
    const { sql, book, destinations, activity, transaction, giveUpAfterMs } = this.#context
    const now = Date.now()
    for (const event of book.checkTime(now)) this.#handler.onDestinationEvent?.(event)
    for (const destination of book.quarantinedSince(now - giveUpAfterMs)) {
      const error = `${GIVE_UP_ERROR}${destination}`
      const ended = transaction(() => sql.giveUp.all({ destination, now, error, picked: this.processingJson() }) as DueRow[])
      for (const row of ended) {
        activity.ended('failed', now)
        this.#scheduler.handOverEnd(this.due(row), 'failed')
      }
    }
    transaction(() => destinations.save(book.takeChanges()))
    const counts = sql.countByStatus.all() as { status: PostbackStatus; n: number }[]
    activity.depth(counts.find((c) => c.status === 'pending')?.n ?? 0, now)
  }

  /** Ends whose callbacks were not queued before the process stopped are handed over again. */
  #handOverUnhandledEnds(): void {
    for (const row of this.#context.sql.callbacksDue.all() as (DueRow & { status: 'completed' | 'failed' })[]) {
      this.#scheduler.handOverEnd(this.due(row), row.status)
    }
  }
}
