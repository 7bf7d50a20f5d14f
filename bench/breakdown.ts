// Where the time of one delivery goes, measured piece by piece in one process:
//   npx tsx bench/breakdown.ts
// 1. the HTTP exchange: undici's request() loop (what the delivery baseline does) against the
//    service's delivery client, to the same loopback receiver (in another process);
// 2. the durable bookkeeping: recording an attempt in SQLite (batched as the scheduler does).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { createHttpClient } from '../src/postbacks/delivery/http-client.js'
import { openDatabase } from '../src/stores/sqlite/database.js'
import { startScript } from './lib/processes.js'

const N = 20_000
const CONCURRENCY = 10

async function receiver(): Promise<{ url: string; stop: () => Promise<void> }> {
  const started = await startScript('receiver.ts')
  return { url: `${started.url}/deliver`, stop: () => started.stop() }
}

async function perSecond(label: string, one: () => Promise<unknown>): Promise<number> {
  let left = N
  const startedAt = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) await one()
  }))
  const rate = N / ((performance.now() - startedAt) / 1000)
  console.log(`${label.padEnd(48)} ${Math.round(rate)} /s  (${(1e6 / rate).toFixed(1)} µs each)`)
  return rate
}

const target = await receiver()
const url = new URL(target.url)
const body = '{"order":1234,"amount":99.9,"currency":"EUR"}'
for (let round = 0; round < 2; round++) {
  console.log(round === 0 ? '— warm-up —' : '— measured —')
  const pool = new Pool(url.origin, { connections: CONCURRENCY })
  await perSecond('undici request() loop (the delivery baseline)', async () => {
    const answer = await pool.request({ path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await answer.body.dump()
  })
  await pool.close()
  const client = createHttpClient({ connectionsPerOrigin: CONCURRENCY, blockPrivateNetworks: false })
  const shutdown = new AbortController().signal
  await perSecond('service delivery client (deadline, 1 KiB kept)', () =>
    client.send({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body }, { timeoutMs: 30_000 }, shutdown),
  )
  await client.close()
}
await target.stop()

// Recording attempts: 12 per transaction, as a flush of the scheduler writes them.
const dir = mkdtempSync(join(tmpdir(), 'qsp-breakdown-'))
const db = openDatabase(dir)
const insert = db.prepare(`INSERT INTO postbacks (id, url, destination, method, headers, body, status, max_attempts,
  timeout_ms, created_at, updated_at, next_attempt_at) VALUES (?, 'http://x/y', 'http://x:80', 'POST', '{}', ?, 'pending', 3, 30000, 1, 1, 1)`)
db.transaction(() => {
  for (let i = 0; i < N; i++) insert.run(`id-${i}`, body)
})()
const settle = db.prepare(`UPDATE postbacks SET status = 'completed', attempts_made = attempts_made + 1, updated_at = @now,
  next_attempt_at = NULL, finished_at = @now, last_error = NULL, last_status_code = 200,
  attempts = json_insert(attempts, '$[#]', json(@attempt)) WHERE id = @id AND status = 'pending'`)
const attempt = JSON.stringify({ at: new Date().toISOString(), durationMs: 1, statusCode: 200, responseBody: 'ok' })
const inTransaction = db.transaction((ids: number[]) => {
  for (const i of ids) settle.run({ id: `id-${i}`, now: Date.now(), attempt })
})
const startedAt = performance.now()
for (let i = 0; i < N; i += 12) inTransaction(Array.from({ length: Math.min(12, N - i) }, (_, j) => i + j))
const each = ((performance.now() - startedAt) * 1000) / N
console.log(`${'recording an attempt in SQLite (12 per commit)'.padEnd(48)} ${Math.round(1e6 / each)} /s  (${each.toFixed(1)} µs each)`)
db.close()
rmSync(dir, { recursive: true, force: true })
