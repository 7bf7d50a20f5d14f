// The embedded store's postbacks: one SQLite file in DATA_DIR; every write is committed before it
// resolves. Delivery runs in the Scheduler; destinations' state lives in the DestinationBook.
import type Database from 'better-sqlite3'
import { ActivityRecorder } from '../../postbacks/activity.js'
import type { AddResult, ChangeResult, DeliveryHandler, ListPage, ListQuery, PostbackStore, QueueCounts } from '../../postbacks/store.js'
import { InvalidCursorError } from '../../postbacks/store.js'
import { STATUSES, type NewPostback, type PostbackDetail, type PostbackStatus, type PostbackView } from '../../postbacks/types.js'
import { batched, type Outcome } from '../batched.js'
import type { DestinationBook } from './destination-book.js'
import type { destinationRows } from './destination-rows.js'
import type { DiskWatch } from './disk-watch.js'
import { VIEW_COLUMNS, newRow, toDetail, toView, type DetailRow, type ViewRow } from './rows.js'
import { SqliteDelivery } from './delivery.js'
import { filterClause, prepareStatements, requeueMatching, whereSql, type Statements } from './statements.js'

export interface SqliteStoreOptions {
  retentionMs: number
  /** DESTINATION_GIVE_UP_AFTER_MS: a destination quarantined this long has its pending postbacks failed */
  giveUpAfterMs: number
}

export interface SqliteContext {
  db: Database.Database
  book: DestinationBook
  destinations: ReturnType<typeof destinationRows>
  disk: DiskWatch
}

/** Finished rows are deleted in chunks this size, so a purge never holds the writer for long. */
const PURGE_CHUNK = 1000

export type SqlitePostbackStore = PostbackStore & {
  /** A destination's settings or state changed from the API: its postbacks are looked at again. */
  destinationChanged(destination: string): void
}

export function createSqliteStore({ db, book, destinations, disk }: SqliteContext, options: SqliteStoreOptions): SqlitePostbackStore {
  const sql = prepareStatements(db)
  const inTransaction = db.transaction((work: () => unknown) => work())
  const transaction = <T>(work: () => T): T => disk.write(() => inTransaction(work) as T)
  let delivery: SqliteDelivery | undefined
  const activity = new ActivityRecorder()
  const pickedJson = () => delivery?.processingJson() ?? '[]'
  const scheduler = () => delivery?.scheduler
  const insert = batched(insertAll(sql, transaction))

  const purge = () => {
    const cutoff = Date.now() - options.retentionMs
    while (sql.purge.run({ cutoff, limit: PURGE_CHUNK }).changes === PURGE_CHUNK);
    destinations.forgetIdle(cutoff)
  }
  const purgeTimer = setInterval(purge, Math.max(1000, Math.min(options.retentionMs, 60_000)))
  purgeTimer.unref()

  /** The table says pending; the scheduler knows which of those are being delivered right now. */
  function withLiveStatus(row: ViewRow): PostbackView {
    const view = toView(row)
    return row.status === 'pending' && scheduler()?.isProcessing(row.id) ? { ...view, status: 'processing', nextAttemptAt: null } : view
  }

  function read(id: string): PostbackView | undefined {
    const row = sql.get.get(id) as ViewRow | undefined
    return row && withLiveStatus(row)
  }

  function changed(id: string, row: ViewRow | undefined): ChangeResult {
    if (row) return { ok: true, postback: withLiveStatus(row) }
    const existing = read(id)
    return existing ? { ok: false, reason: 'conflict', status: existing.status } : { ok: false, reason: 'not_found' }
  }

  return {
    kind: 'sqlite',

    async add(postback: NewPostback): Promise<AddResult> {
      const added = await insert(postback)
      if (added.created) scheduler()?.notifyDue(postback.destination, postback.runAt)
      return added
    },

    async get(id: string): Promise<PostbackDetail | undefined> {
      const row = sql.detail.get(id) as DetailRow | undefined
      return row && toDetail(row, withLiveStatus(row))
    },

    list: async (query: ListQuery): Promise<ListPage> => listPage(db, query, pickedJson(), withLiveStatus),

    async retry(id: string, now: number): Promise<ChangeResult> {
      const row = transaction(() => {
        const { value } = sql.nextOrderSeq.get() as { value: number }
        return sql.retry.get({ id, now, orderSeq: value }) as (ViewRow & { destination: string }) | undefined
      })
      if (row) scheduler()?.notifyDue(row.destination, now)
      return changed(id, row)
    },

    async retryMany(filter, now: number): Promise<number> {
      const changes = transaction(() => requeueMatching(db, filter, now))
      if (changes > 0) scheduler()?.reload()
      return changes
    },

    async cancel(id: string, now: number): Promise<ChangeResult> {
      if (scheduler() && !scheduler()!.withdraw(id)) return { ok: false, reason: 'conflict', status: 'processing' }
      const row = disk.write(() => sql.cancel.get({ id, now })) as (ViewRow & { destination: string }) | undefined
      // The next postback of its ordering key may be due now.
      if (row?.ordering_key) scheduler()?.notifyDue(row.destination, now)
      return changed(id, row)
    },

    async counts(): Promise<QueueCounts> {
      const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<PostbackStatus, number>
      for (const { status, n } of sql.countByStatus.all() as { status: PostbackStatus; n: number }[]) {
        byStatus[status] = n
      }
      const processing = scheduler()?.processing.length ?? 0
      byStatus.processing = processing
      byStatus.pending -= processing
      const { at } = sql.oldestDue.get({ now: Date.now(), picked: pickedJson() }) as { at: number | null }
      return { byStatus, oldestDueAt: at }
    },

    destinations: async () => book.snapshot(),

    activity: async () => activity.activity(),

    consume(handler: DeliveryHandler): void {
      if (delivery) throw new Error('consume() was already called')
      const { giveUpAfterMs } = options
      delivery = new SqliteDelivery({ sql, book, destinations, activity, transaction, read, giveUpAfterMs }, handler)
    },

    destinationChanged(): void {
      scheduler()?.reload()
    },

    ping: async () => db.open,

    problems: async () => disk.problems(),

    async close(drainMs: number): Promise<void> {
      clearInterval(purgeTimer)
      await delivery?.close(drainMs)
      transaction(() => destinations.save(book.takeChanges()))
      db.close()
    },
  }
}

function listPage(db: Database.Database, query: ListQuery, processing: string, view: (row: ViewRow) => PostbackView): ListPage {
  if (query.cursor !== undefined && !/^\d{1,15}$/.test(query.cursor)) throw new InvalidCursorError()
  const { status, ...filter } = query
  const { where, params } = filterClause(filter)
  // In the table a postback being delivered is pending; the scheduler says which ones those are.
  if (status === 'processing' || status === 'pending') {
    where.push(`status = 'pending'`, `id ${status === 'pending' ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(@processing))`)
    params.processing = processing
  } else if (status !== undefined) {
    where.push('status = @status')
    params.status = status
  }
  if (query.cursor !== undefined) where.push('seq < @cursor')
  const rows = db
    .prepare(`SELECT seq, ${VIEW_COLUMNS} FROM postbacks ${whereSql(where)} ORDER BY seq DESC LIMIT @limit`)
    .all({ ...params, cursor: Number(query.cursor), limit: query.limit + 1 }) as (ViewRow & { seq: number })[]
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    items: page.map(view),
    ...(rows.length > query.limit && last ? { nextCursor: String(last.seq) } : {}),
  }
}

/** Inserts of one event-loop turn share a commit; if that fails, each is redone alone. */
function insertAll(sql: Statements, transaction: <T>(work: () => T) => T) {
  const insertOne = (postback: NewPostback): AddResult => {
    const row = newRow(postback)
    // A postback with an ordering key takes the next place in its key's line.
    if (postback.orderingKey !== undefined) row.order_seq = (sql.nextOrderSeq.get() as { value: number }).value
    if (sql.insert.run(row).changes === 1) return { id: postback.id, created: true }
    const first = sql.byIdempotencyKey.get(postback.idempotencyKey) as { id: string; fingerprint: string | null }
    // Rows stored before fingerprints were kept cannot be compared: they count as the same request.
    const sameRequest = first.fingerprint === null || first.fingerprint === (postback.fingerprint ?? null)
    return { id: first.id, created: false, sameRequest }
  }
  return (postbacks: NewPostback[]): Outcome<AddResult>[] => {
    try {
      return transaction(() => postbacks.map((p) => ({ value: insertOne(p) })))
    } catch {
      return postbacks.map((p) => {
        try {
          return { value: transaction(() => insertOne(p)) }
        } catch (error) {
          return { error }
        }
      })
    }
  }
}
