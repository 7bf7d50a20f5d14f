// Every SQL statement the embedded store runs, prepared once, with the parameters they take.
import type Database from 'better-sqlite3'
import type { AttemptOutcome, PostbackStatus } from '../../postbacks/types.js'
import type { ListFilter } from '../../postbacks/store.js'
import { DETAIL_COLUMNS, DUE_COLUMNS, ROW_COLUMNS, VIEW_COLUMNS } from './rows.js'

const REQUEUE_SET = `status = 'pending', attempts_made = 0, next_attempt_at = @now, finished_at = NULL,
  updated_at = @now, callback_due = 0`

/** Ids in flight are still pending in the table; the scheduler passes them as a JSON array. */
const NOT_PICKED = `id NOT IN (SELECT value FROM json_each(@picked))`

/**
 * A postback with an ordering key waits while an earlier one of its key (pending, waiting for a
 * retry or in flight, which the table also holds as pending) is not done.
 */
const FIRST_OF_ITS_KEY = `(p.ordering_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM postbacks q WHERE q.destination = p.destination AND q.ordering_key = p.ordering_key
    AND q.status = 'pending' AND (q.order_seq, q.seq) < (p.order_seq, p.seq)))`

/** The failure of a postback with a failure callback, or the completion of one with a callback, is kept until it is queued. */
const CALLBACK_DUE = `CASE WHEN @status = 'completed' AND callback_url IS NOT NULL THEN 1
  WHEN @status = 'failed' AND failure_callback_url IS NOT NULL THEN 1 ELSE 0 END`

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
      `SELECT ${DUE_COLUMNS} FROM postbacks p
       WHERE status = 'pending' AND destination = @destination AND next_attempt_at <= @now AND ${NOT_PICKED}
         AND ${FIRST_OF_ITS_KEY}
       ORDER BY next_attempt_at LIMIT @limit`,
    ),
    // Walks the (destination, next_attempt_at) index in order and stops at the first that qualifies
    // (a MIN() with these conditions would read every pending row of the destination).
    nextDueFor: db.prepare(
      `SELECT next_attempt_at AS at FROM postbacks p
       WHERE status = 'pending' AND destination = @destination AND ${NOT_PICKED} AND ${FIRST_OF_ITS_KEY}
       ORDER BY next_attempt_at LIMIT 1`,
    ),
    nextDueByDestination: db.prepare(
      `SELECT destination, MIN(next_attempt_at) AS at FROM postbacks p
       WHERE status = 'pending' AND ${FIRST_OF_ITS_KEY} GROUP BY destination`,
    ),
    settle: db.prepare(
      `UPDATE postbacks SET status = @status, attempts_made = attempts_made + @counted, updated_at = @now,
         next_attempt_at = @nextAttemptAt, finished_at = @finishedAt, last_error = @error,
         last_status_code = @statusCode, attempts = json_insert(attempts, '$[#]', json(@attempt)),
         callback_due = ${CALLBACK_DUE}
       WHERE id = @id AND status = 'pending'`,
    ),
    putBack: db.prepare(
      `UPDATE postbacks SET updated_at = @now, next_attempt_at = @until, last_error = @error WHERE id = @id AND status = 'pending'`,
    ),
    nextOrderSeq: db.prepare(`UPDATE order_counter SET value = value + 1 RETURNING value`),
    retry: db.prepare(
      `UPDATE postbacks SET ${REQUEUE_SET}, order_seq = CASE WHEN ordering_key IS NULL THEN NULL ELSE @orderSeq END
       WHERE id = @id AND status IN ('completed', 'failed', 'canceled') RETURNING ${VIEW_COLUMNS}, destination`,
    ),
    callbacksDone: db.prepare(`UPDATE postbacks SET callback_due = 0 WHERE id IN (SELECT value FROM json_each(@ids))`),
    callbacksDue: db.prepare(`SELECT ${DUE_COLUMNS}, status FROM postbacks WHERE callback_due = 1 ORDER BY seq LIMIT 1000`),
    pendingByDestination: db.prepare(
      `SELECT destination, COUNT(*) FILTER (WHERE status = 'pending') AS pending FROM postbacks GROUP BY destination`,
    ),
    pendingOf: db.prepare(`SELECT COUNT(*) AS pending FROM postbacks WHERE destination = ? AND status = 'pending'`),
    giveUp: db.prepare(
      `UPDATE postbacks SET status = 'failed', finished_at = @now, updated_at = @now, next_attempt_at = NULL,
         last_error = @error, callback_due = CASE WHEN failure_callback_url IS NOT NULL THEN 1 ELSE 0 END
       WHERE destination = @destination AND status = 'pending' AND ${NOT_PICKED} RETURNING ${DUE_COLUMNS}`,
    ),
    cancel: db.prepare(
      `UPDATE postbacks SET status = 'canceled', next_attempt_at = NULL, finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'pending' RETURNING ${VIEW_COLUMNS}, destination`,
    ),
    purge: db.prepare(
      `DELETE FROM postbacks WHERE seq IN (SELECT seq FROM postbacks
         WHERE finished_at IS NOT NULL AND finished_at <= @cutoff LIMIT @limit)`,
    ),
    countByStatus: db.prepare(`SELECT status, COUNT(*) AS n FROM postbacks GROUP BY status`),
    // Each destination's earliest due postback from the (destination, next_attempt_at) index, the
    // destinations found by skipping through the same index: a few index steps per destination,
    // however many postbacks wait for later.
    oldestDue: db.prepare(
      `WITH RECURSIVE d(destination) AS (
         SELECT MIN(destination) FROM postbacks INDEXED BY postbacks_destination_due WHERE status = 'pending'
         UNION ALL
         SELECT (SELECT MIN(destination) FROM postbacks INDEXED BY postbacks_destination_due
                 WHERE status = 'pending' AND destination > d.destination)
         FROM d WHERE d.destination IS NOT NULL)
       SELECT MIN((SELECT next_attempt_at FROM postbacks p INDEXED BY postbacks_destination_due
                   WHERE status = 'pending' AND p.destination = d.destination AND next_attempt_at <= @now
                     AND ${NOT_PICKED} AND ${FIRST_OF_ITS_KEY}
                   ORDER BY next_attempt_at LIMIT 1)) AS at
       FROM d`,
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
    // A probe of a quarantined destination is not counted against the postback's attempts.
    counted: attempt.probe ? 0 : 1,
    nextAttemptAt: outcome.kind === 'retry' ? outcome.retryAt : null,
    finishedAt: outcome.kind === 'retry' ? null : now,
    error: attempt.error ?? null,
    statusCode: attempt.statusCode ?? null,
    attempt: JSON.stringify(attempt),
  }
}

/**
 * A bulk re-queue of the finished postbacks a filter selects. Those with an ordering key go to
 * the back of their key's line, in their own order: places base + seq, then the counter moves past them.
 */
export function requeueMatching(db: Database.Database, filter: ListFilter, now: number): number {
  const { where, params } = filterClause(filter)
  where.push(`status IN ('completed', 'failed')`)
  const base = (db.prepare(`SELECT value FROM order_counter`).get() as { value: number }).value
  const changes = db
    .prepare(`UPDATE postbacks SET ${REQUEUE_SET}, order_seq = CASE WHEN ordering_key IS NULL THEN NULL ELSE @base + seq END ${whereSql(where)}`)
    .run({ ...params, now, base }).changes
  db.prepare(`UPDATE order_counter SET value = @base + (SELECT COALESCE(MAX(seq), 0) FROM postbacks)`).run({ base })
  return changes
}

/** Each filter field: the condition it adds, with its own parameter of the same name. */
const CONDITIONS: Record<keyof ListFilter, string> = {
  status: 'status = @status',
  urlPrefix: 'substr(url, 1, length(@urlPrefix)) = @urlPrefix',
  createdFrom: 'created_at >= @createdFrom',
  createdTo: 'created_at <= @createdTo',
}

export function filterClause(filter: ListFilter): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  for (const [field, condition] of Object.entries(CONDITIONS) as [keyof ListFilter, string][]) {
    if (filter[field] === undefined) continue
    where.push(condition)
    params[field] = filter[field]
  }
  return { where, params }
}

export const whereSql = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '')
