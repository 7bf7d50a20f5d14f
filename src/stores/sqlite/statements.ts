// Every SQL statement the embedded store runs, prepared once, with the parameters they take.
import type Database from 'better-sqlite3'
import type { AttemptOutcome, PostbackStatus } from '../../postbacks/types.js'
import type { ListFilter } from '../../postbacks/store.js'
import { DETAIL_COLUMNS, DUE_COLUMNS, ROW_COLUMNS, VIEW_COLUMNS } from './rows.js'

const REQUEUE_SET = `status = 'pending', attempts_made = 0, next_attempt_at = @now, finished_at = NULL, updated_at = @now`

/** Ids in flight are still pending in the table; the scheduler passes them as a JSON array. */
const NOT_PICKED = `id NOT IN (SELECT value FROM json_each(@picked))`

export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO postbacks (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_COLUMNS.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
    ),
    byIdempotencyKey: db.prepare(`SELECT id, fingerprint FROM postbacks WHERE idempotency_key = ?`),
    get: db.prepare(`SELECT ${VIEW_COLUMNS} FROM postbacks WHERE id = ?`),
    detail: db.prepare(`SELECT ${DETAIL_COLUMNS} FROM postbacks WHERE id = ?`),
    dueFor: db.prepare(
      `SELECT ${DUE_COLUMNS} FROM postbacks
       WHERE status = 'pending' AND destination = @destination AND next_attempt_at <= @now AND ${NOT_PICKED}
       ORDER BY next_attempt_at LIMIT @limit`,
    ),
    nextDueFor: db.prepare(
      `SELECT MIN(next_attempt_at) AS at FROM postbacks
       WHERE status = 'pending' AND destination = @destination AND ${NOT_PICKED}`,
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
    oldestWaiting: db.prepare(
      `SELECT created_at FROM postbacks WHERE status = 'pending' AND ${NOT_PICKED} ORDER BY seq LIMIT 1`,
    ),
  }
}

export function settleParams(id: string, outcome: AttemptOutcome, now: number) {
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

/** A bulk re-queue of the finished postbacks a filter selects. */
export function requeueMatching(db: Database.Database, filter: ListFilter, now: number): number {
  const { where, params } = filterClause(filter)
  where.push(`status IN ('completed', 'failed')`)
  return db.prepare(`UPDATE postbacks SET ${REQUEUE_SET} ${whereSql(where)}`).run({ ...params, now }).changes
}

export function filterClause(filter: ListFilter): { where: string[]; params: Record<string, unknown> } {
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

export const whereSql = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '')
