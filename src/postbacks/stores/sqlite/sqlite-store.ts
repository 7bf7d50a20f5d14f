// The embedded store: one SQLite file in DATA_DIR; every write is committed before it resolves.
import type Database from 'better-sqlite3'
import type { AttemptOutcome, NewPostback, PostbackStatus, PostbackView } from '../../types.js'
import { STATUSES } from '../../types.js'
import {
  InvalidCursorError,
  type AddResult,
  type ChangeResult,
  type ListFilter,
  type ListPage,
  type ListQuery,
  type PostbackStore,
  type QueueCounts,
  type Worker,
} from '../store.js'
import { openDatabase } from './database.js'
import { batched, type Outcome } from '../batched.js'
import { DUE_COLUMNS, VIEW_COLUMNS, toDue, toView, type DueRow, type ViewRow } from './rows.js'
import { Scheduler, type DueSource } from './scheduler.js'

export interface SqliteStoreOptions {
  dataDir: string
  retentionMs: number
}

/** Finished rows are deleted in chunks this size, so a purge never holds the writer for long. */
const PURGE_CHUNK = 1000

export function createSqliteStore(options: SqliteStoreOptions): PostbackStore {
  const db = openDatabase(options.dataDir)
  const sql = prepare(db)

  const inTransaction = db.transaction((work: () => unknown) => work())
  const source: DueSource = {
    dueFor: (destination, now, limit, picked) =>
      (sql.dueFor.all({ destination, now, limit, picked: JSON.stringify(picked) }) as DueRow[]).map(toDue),
    nextDueFor: (destination) => (sql.nextDueFor.get(destination) as { at: number | null }).at,
    nextDueByDestination: () =>
      new Map((sql.nextDueByDestination.all() as { destination: string; at: number }[]).map((r) => [r.destination, r.at])),
    settle: (id, outcome, now) => sql.settle.run(settleParams(id, outcome, now)).changes === 1,
    view: (id) => read(id),
    transaction: <T>(work: () => T) => inTransaction(work) as T,
  }
  let scheduler: Scheduler | undefined
  const insertOne = (postback: NewPostback): AddResult => {
    if (sql.insert.run(insertParams(postback)).changes === 1) return { id: postback.id, created: true }
    const first = sql.byIdempotencyKey.get(postback.idempotencyKey) as { id: string }
    return { id: first.id, created: false }
  }
  // Inserts of one event-loop turn share a commit; if one fails, the others are redone alone.
  const insert = batched((postbacks: NewPostback[]): Outcome<AddResult>[] => {
    try {
      return inTransaction(() => postbacks.map((p) => ({ value: insertOne(p) }))) as Outcome<AddResult>[]
    } catch {
      return postbacks.map((p) => {
        try {
          return { value: inTransaction(() => insertOne(p)) as AddResult }
        } catch (error) {
          return { error }
        }
      })
    }
  })

  const purge = () => {
    const cutoff = Date.now() - options.retentionMs
    while (sql.purge.run({ cutoff, limit: PURGE_CHUNK }).changes === PURGE_CHUNK);
  }
  const purgeTimer = setInterval(purge, Math.max(1000, Math.min(options.retentionMs, 60_000)))
  purgeTimer.unref()

  /** The table says pending; the scheduler knows which of those are being delivered right now. */
  function present(row: ViewRow): PostbackView {
    const view = toView(row)
    return row.status === 'pending' && scheduler?.isProcessing(row.id) ? { ...view, status: 'processing', nextAttemptAt: null } : view
  }

  function read(id: string): PostbackView | undefined {
    const row = sql.get.get(id) as ViewRow | undefined
    return row && present(row)
  }

  function change(id: string, row: ViewRow | undefined): ChangeResult {
    if (row) return { ok: true, postback: present(row) }
    const existing = read(id)
    return existing ? { ok: false, reason: 'conflict', status: existing.status } : { ok: false, reason: 'not_found' }
  }

  return {
    kind: 'sqlite',

    async add(postback: NewPostback): Promise<AddResult> {
      const added = await insert(postback)
      if (added.created) scheduler?.notifyDue(postback.destination, postback.runAt)
      return added
    },

    get: async (id: string) => read(id),

    async list(query: ListQuery): Promise<ListPage> {
      if (query.cursor !== undefined && !/^\d{1,15}$/.test(query.cursor)) throw new InvalidCursorError()
      const { status, ...filter } = query
      const { where, params } = filterClause(filter)
      // In the table a postback being delivered is pending; the scheduler says which ones those are.
      if (status === 'processing' || status === 'pending') {
        where.push(`status = 'pending'`, `id ${status === 'pending' ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(@processing))`)
        params.processing = JSON.stringify(scheduler?.processing ?? [])
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
        items: page.map(present),
        ...(rows.length > query.limit && last ? { nextCursor: String(last.seq) } : {}),
      }
    },

    async retry(id: string, now: number): Promise<ChangeResult> {
      const row = sql.retry.get({ id, now }) as (ViewRow & { destination: string }) | undefined
      if (row) scheduler?.notifyDue(row.destination, now)
      return change(id, row)
    },

    async retryMany(filter: ListFilter, now: number): Promise<number> {
      const { where, params } = filterClause(filter)
      where.push(`status IN ('completed', 'failed')`)
      const { changes } = db
        .prepare(`UPDATE postbacks SET ${REQUEUE_SET} ${whereSql(where)}`)
        .run({ ...params, now })
      if (changes > 0) scheduler?.reload()
      return changes
    },

    async cancel(id: string, now: number): Promise<ChangeResult> {
      if (scheduler && !scheduler.withdraw(id)) return { ok: false, reason: 'conflict', status: 'processing' }
      return change(id, sql.cancel.get({ id, now }) as ViewRow | undefined)
    },

    async counts(): Promise<QueueCounts> {
      const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<PostbackStatus, number>
      for (const { status, n } of sql.countByStatus.all() as { status: PostbackStatus; n: number }[]) {
        byStatus[status] = n
      }
      const processing = scheduler?.processing.length ?? 0
      byStatus.processing = processing
      byStatus.pending -= processing
      const oldest = sql.oldestPending.get() as { created_at: number } | undefined
      return { byStatus, oldestPendingAt: oldest?.created_at ?? null }
    },

    consume(worker: Worker): void {
      if (scheduler) throw new Error('consume() was already called')
      scheduler = new Scheduler(source, worker)
    },

    async ping(): Promise<boolean> {
      return db.open
    },

    async close(drainMs: number): Promise<void> {
      clearInterval(purgeTimer)
      await scheduler?.close(drainMs)
      db.close()
    },
  }
}

const REQUEUE_SET = `status = 'pending', attempts_made = 0, next_attempt_at = @now, finished_at = NULL, updated_at = @now`

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO postbacks (id, url, destination, method, headers, body, status, max_attempts, timeout_ms,
         created_at, updated_at, next_attempt_at, idempotency_key, notify)
       VALUES (@id, @url, @destination, @method, @headers, @body, 'pending', @maxAttempts, @timeoutMs,
         @createdAt, @createdAt, @runAt, @idempotencyKey, @notify)
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
    ),
    byIdempotencyKey: db.prepare(`SELECT id FROM postbacks WHERE idempotency_key = ?`),
    get: db.prepare(`SELECT ${VIEW_COLUMNS} FROM postbacks WHERE id = ?`),
    dueFor: db.prepare(
      `SELECT ${DUE_COLUMNS} FROM postbacks
       WHERE status = 'pending' AND destination = @destination AND next_attempt_at <= @now
         AND id NOT IN (SELECT value FROM json_each(@picked))
       ORDER BY next_attempt_at LIMIT @limit`,
    ),
    nextDueFor: db.prepare(
      `SELECT MIN(next_attempt_at) AS at FROM postbacks WHERE status = 'pending' AND destination = ?`,
    ),
    nextDueByDestination: db.prepare(
      `SELECT destination, MIN(next_attempt_at) AS at FROM postbacks WHERE status = 'pending' GROUP BY destination`,
    ),
    settle: db.prepare(
      `UPDATE postbacks SET status = @status, attempts_made = attempts_made + 1, updated_at = @now,
         next_attempt_at = @nextAttemptAt, finished_at = @finishedAt, last_error = @error,
         last_status_code = @statusCode, attempts = json_insert(attempts, '$[#]', json(@attempt))
       WHERE id = @id AND status = 'pending'`,
    ),
    retry: db.prepare(
      `UPDATE postbacks SET ${REQUEUE_SET}
       WHERE id = @id AND status IN ('completed', 'failed', 'canceled') RETURNING ${VIEW_COLUMNS}, destination`,
    ),
    cancel: db.prepare(
      `UPDATE postbacks SET status = 'canceled', next_attempt_at = NULL, finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'pending' RETURNING ${VIEW_COLUMNS}`,
    ),
    purge: db.prepare(
      `DELETE FROM postbacks WHERE seq IN (SELECT seq FROM postbacks
         WHERE finished_at IS NOT NULL AND finished_at <= @cutoff LIMIT @limit)`,
    ),
    countByStatus: db.prepare(`SELECT status, COUNT(*) AS n FROM postbacks GROUP BY status`),
    oldestPending: db.prepare(`SELECT created_at FROM postbacks WHERE status = 'pending' ORDER BY seq LIMIT 1`),
  }
}

function insertParams(p: NewPostback) {
  return {
    id: p.id,
    url: p.url,
    destination: p.destination,
    method: p.method,
    headers: JSON.stringify(p.headers),
    body: p.body,
    maxAttempts: p.maxAttempts,
    timeoutMs: p.timeoutMs,
    createdAt: p.createdAt,
    runAt: p.runAt,
    idempotencyKey: p.idempotencyKey ?? null,
    notify: p.notify ? JSON.stringify(p.notify) : null,
  }
}

function settleParams(id: string, outcome: AttemptOutcome, now: number) {
  const { attempt } = outcome
  const status: PostbackStatus = outcome.kind === 'retry' ? 'pending' : outcome.kind
  return {
    id,
    now,
    status,
    nextAttemptAt: outcome.kind === 'retry' ? outcome.retryAt : null,
    finishedAt: outcome.kind === 'retry' ? null : now,
    error: attempt.error ?? null,
    statusCode: attempt.statusCode ?? null,
    attempt: JSON.stringify(attempt),
  }
}

function filterClause(filter: ListFilter): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  if (filter.status !== undefined) {
    where.push('status = @status')
    params.status = filter.status
  }
  if (filter.urlPrefix !== undefined) {
    where.push('substr(url, 1, length(@urlPrefix)) = @urlPrefix')
    params.urlPrefix = filter.urlPrefix
  }
  if (filter.createdFrom !== undefined) {
    where.push('created_at >= @createdFrom')
    params.createdFrom = filter.createdFrom
  }
  if (filter.createdTo !== undefined) {
    where.push('created_at <= @createdTo')
    params.createdTo = filter.createdTo
  }
  return { where, params }
}

const whereSql = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '')
