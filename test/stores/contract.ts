// The PostbackStore contract, run against every driver by store-contract.test.ts: what the
// domain relies on, checked on the store itself with a fake delivery handler.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InvalidCursorError, type PostbackStore } from '../../src/postbacks/store.js'
import type { StoreKind } from '../helpers/redis.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { configAt, newLocation, openStoresAt, postback, type Location } from './drivers.js'
import { FakeHandler } from './fake-handler.js'

const A = 'http://a.test:80'
const B = 'http://b.test:80'
const urlOf = (destination: string) => `${destination}/hook`

const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))
const CONSUMER = fileURLToPath(new URL('./crashing-consumer.ts', import.meta.url))

/** A process that claims the store's due postbacks and never finishes them; resolves once it claimed `count`. */
async function crashingConsumer(env: Record<string, string>, count: number) {
  const child = spawn(process.execPath, ['--import', TSX, CONSUMER], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const claimed = () => [...out.matchAll(/claimed (\S+)/g)].map((m) => m[1]!)
  const ended = () => child.exitCode !== null || child.signalCode !== null
  await waitFor(() => claimed().length >= count || ended(), { what: `${count} claims`, timeoutMs: 20_000 })
  // The claims first: a consumer that made them all has done its part, whatever happened next.
  if (claimed().length < count) throw new Error(`the consumer exited (${child.exitCode}) after ${claimed().length} claims: ${err}`)
  return {
    claimed,
    /** Kills it; it must still be holding its claims. */
    kill: () => new Promise<void>((resolve, reject) => {
      if (ended()) return reject(new Error(`the consumer ended by itself (${child.exitCode}) instead of holding its claims`))
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    }),
  }
}

export function storeContract(kind: StoreKind): void {
  const { defer } = cleanupAfterEach()

  async function fresh(env: Record<string, string> = {}): Promise<{ store: PostbackStore; location: Location }> {
    const location = await newLocation(kind)
    defer(() => location.remove())
    return { store: await opened(location, env), location }
  }

  async function opened(location: Location, env: Record<string, string> = {}): Promise<PostbackStore> {
    const { postbacks: store } = await openStoresAt(location, env)
    let closed = false
    defer(() => (closed ? undefined : store.close(0)))
    const close = store.close.bind(store)
    store.close = (drainMs) => {
      closed = true
      return close(drainMs)
    }
    return store
  }

  /** POSTBACK_HOST_CONCURRENCY as the store is opened with it. */
  const hostConcurrency = (cap: number) => ({ POSTBACK_HOST_CONCURRENCY: String(cap) })

  const consume = (store: PostbackStore, concurrency = 10) => {
    const handler = new FakeHandler(concurrency)
    store.consume(handler)
    return handler
  }

  const statusOf = async (store: PostbackStore, id: string) => (await store.get(id))?.status

  describe('adding and reading', () => {
    it('stores a postback with what was queued, pending until it is delivered', async () => {
      const { store } = await fresh()
      const p = postback({ payload: { order: 7 }, headers: { 'X-Key': 'v' } })
      expect(await store.add(p)).toEqual({ id: p.id, created: true })
      const detail = await store.get(p.id)
      expect(detail).toMatchObject({ id: p.id, status: 'pending', retries: 0, attempts: [], payload: { order: 7 }, headers: { 'X-Key': 'v' } })
      expect((await store.counts()).byStatus.pending).toBe(1)
      expect(await store.get('0000000000000-unknown00')).toBeUndefined()
    })

    it('returns the first id for a repeated idempotency key, and says when it asked for something else', async () => {
      const { store } = await fresh()
      const first = postback({ idempotencyKey: 'k1' })
      await store.add(first)
      expect(await store.add(postback({ idempotencyKey: 'k1' }))).toEqual({ id: first.id, created: false, sameRequest: true })
      expect(await store.add(postback({ idempotencyKey: 'k1', payload: { n: 2 } }))).toEqual({
        id: first.id,
        created: false,
        sameRequest: false,
      })
    })

    it('creates one postback when adds with the same key race', async () => {
      const { store } = await fresh()
      const results = await Promise.all(Array.from({ length: 20 }, () => store.add(postback({ idempotencyKey: 'race' }))))
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(new Set(results.map((r) => r.id)).size).toBe(1)
      expect((await store.counts()).byStatus.pending).toBe(1)
    })

    it('lists newest first, page by page, each postback once', async () => {
      const { store } = await fresh()
      const ids: string[] = []
      for (let i = 0; i < 7; i++) ids.push((await store.add(postback({ at: 1_700_000_000_000 + i }))).id)
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) })
        seen.push(...page.items.map((p) => p.id))
        cursor = page.nextCursor
      } while (cursor)
      expect(seen).toEqual([...ids].reverse())
      await expect(store.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError)
    })

    it('filters by status, URL prefix and creation time', async () => {
      const { store } = await fresh()
      const old = await store.add(postback({ at: 1_700_000_000_000, postbackUrl: urlOf(A) }))
      const recent = await store.add(postback({ at: 1_700_000_100_000, postbackUrl: urlOf(B) }))
      const ids = async (filter: object) => (await store.list({ limit: 10, ...filter })).items.map((p) => p.id)
      expect(await ids({ urlPrefix: A })).toEqual([old.id])
      expect(await ids({ createdFrom: 1_700_000_050_000 })).toEqual([recent.id])
      expect(await ids({ createdTo: 1_700_000_050_000 })).toEqual([old.id])
      expect(await ids({ status: 'pending' })).toEqual([recent.id, old.id])
      expect(await ids({ status: 'failed' })).toEqual([])
    })
  })

  describe('delivering', () => {
    it('hands each due postback to the handler and reports its end exactly once', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      const ids = await Promise.all(Array.from({ length: 10 }, () => store.add(postback()).then((r) => r.id)))
      await waitFor(() => handler.ended.length === 10, { what: '10 ended' })
      await sleep(200)
      expect(handler.ended.map((e) => e.delivery.id).sort()).toEqual([...ids].sort())
      expect(handler.started).toHaveLength(10)
      for (const id of ids) expect(await statusOf(store, id)).toBe('completed')
      const view = await handler.ended[0]!.view()
      expect(view).toMatchObject({ status: 'completed', lastStatusCode: 200, retries: 0 })
    })

    it('retries at the time the outcome asks, with the attempt counted', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.answer = (d) => (d.attemptsMade === 0 ? { retryInMs: 300 } : 'completed')
      const { id } = await store.add(postback())
      await waitFor(() => handler.ended.length === 1, { what: 'the retry to complete' })
      expect(handler.started.map((d) => d.attemptsMade)).toEqual([0, 1])
      const detail = await store.get(id)
      expect(detail).toMatchObject({ status: 'completed', retries: 1, lastStatusCode: 200 })
      expect(detail!.attempts.map((a) => a.statusCode)).toEqual([503, 200])
    })

    it('does not attempt a postback before its runAt', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      await store.add(postback({ delayMs: 600 }))
      await sleep(300)
      expect(handler.started).toHaveLength(0)
      await waitFor(() => handler.started.length === 1, { what: 'the delayed attempt' })
    })

    it('keeps at most `concurrency` attempts in flight', async () => {
      const { store } = await fresh(hostConcurrency(10))
      const handler = consume(store, 3)
      handler.answer = () => 'hold'
      for (let i = 0; i < 8; i++) await store.add(postback())
      await waitFor(() => handler.inFlight.length === 3, { what: '3 in flight' })
      await sleep(300)
      expect(handler.started).toHaveLength(3)
      handler.finish(handler.inFlight[0]!)
      await waitFor(() => handler.started.length === 4, { what: 'a fourth attempt once a slot freed' })
    })

    it('keeps a destination to its fair share while others use the free slots', async () => {
      const { store } = await fresh(hostConcurrency(2))
      const handler = consume(store, 5)
      handler.answer = (d) => (d.destination === A ? 'hold' : 'completed')
      for (let i = 0; i < 6; i++) await store.add(postback({ postbackUrl: urlOf(A) }))
      for (let i = 0; i < 20; i++) await store.add(postback({ postbackUrl: urlOf(B) }))
      await waitFor(() => handler.ended.length === 20, { what: "B's 20 postbacks" })
      expect(handler.startedFor(A)).toHaveLength(2)
      expect(await store.destinations()).toContainEqual({ destination: A, inFlight: 2, limit: 2, failureRate: 0 })
    })

    it('starts the next postback of a full destination as soon as a slot frees (work-conserving)', async () => {
      const { store } = await fresh(hostConcurrency(1))
      const handler = consume(store)
      handler.answer = () => 'hold'
      for (let i = 0; i < 30; i++) await store.add(postback({ postbackUrl: urlOf(A) }))
      // One at a time: each freed slot is taken again at once, however long the backlog.
      for (let i = 1; i <= 30; i++) {
        await waitFor(() => handler.inFlight.length === 1 && handler.started.length === i, { what: `attempt ${i}`, timeoutMs: 5000 })
        handler.finish(handler.inFlight[0]!)
      }
      await waitFor(() => handler.ended.length === 30, { what: '30 ended' })
    })

    it('attempts a delayed postback on time while its destination has a hanging attempt', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.answer = (d) => (d.id === hanging.id ? 'hold' : 'completed')
      const hanging = postback({ postbackUrl: urlOf(A) })
      await store.add(hanging)
      await waitFor(() => handler.inFlight.length === 1, { what: 'the hanging attempt' })
      const delayed = await store.add(postback({ postbackUrl: urlOf(A), delayMs: 500 }))
      const now = await store.add(postback({ postbackUrl: urlOf(A) }))
      await waitFor(() => handler.ended.some((e) => e.delivery.id === now.id), { what: 'the undelayed postback' })
      await waitFor(() => handler.ended.some((e) => e.delivery.id === delayed.id), { what: 'the delayed postback', timeoutMs: 5000 })
      expect(handler.inFlight).toEqual([hanging.id])
    })

    it('halves a destination’s window when it is overloaded and grows it back on success', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.load = 'overload'
      handler.answer = () => ({ retryInMs: 10 })
      await store.add(postback({ postbackUrl: urlOf(A), maxAttempts: 3 }))
      await waitFor(async () => (await store.destinations()).find((d) => d.destination === A)?.limit === 1, { what: 'the window to shrink' })
      handler.load = 'success'
      handler.answer = () => 'completed'
      for (let i = 0; i < 12; i++) await store.add(postback({ postbackUrl: urlOf(A) }))
      await waitFor(async () => !(await store.destinations()).some((d) => d.destination === A && d.limit < 4), { what: 'the window to grow back' })
    })
  })

  describe('operating', () => {
    it('re-queues a finished postback with a fresh budget, and refuses one that is not finished', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.answer = (d) => (handler.started.filter((s) => s.id === d.id).length === 1 ? 'failed' : 'completed')
      const { id } = await store.add(postback())
      await waitFor(async () => (await statusOf(store, id)) === 'failed', { what: 'failed' })
      const retried = await store.retry(id, Date.now())
      expect(retried).toMatchObject({ ok: true, postback: { id } })
      await waitFor(async () => (await statusOf(store, id)) === 'completed', { what: 'completed after the retry' })
      expect(handler.started.filter((d) => d.id === id).map((d) => d.attemptsMade)).toEqual([0, 0])
      expect(await store.retry('0000000000000-unknown00', Date.now())).toEqual({ ok: false, reason: 'not_found' })
      const pending = await store.add(postback({ delayMs: 60_000 }))
      expect(await store.retry(pending.id, Date.now())).toEqual({ ok: false, reason: 'conflict', status: 'pending' })
    })

    it('re-queues every finished postback a filter selects and counts them', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.answer = (d) => (d.destination === A && handler.startedFor(A).length <= 3 ? 'failed' : 'completed')
      for (let i = 0; i < 3; i++) await store.add(postback({ postbackUrl: urlOf(A) }))
      await store.add(postback({ postbackUrl: urlOf(B) }))
      await waitFor(async () => (await store.counts()).byStatus.failed === 3 && handler.ended.length === 4, { what: '3 failed' })
      expect(await store.retryMany({ status: 'failed', urlPrefix: A }, Date.now())).toBe(3)
      await waitFor(async () => (await store.counts()).byStatus.completed === 4, { what: 'all completed' })
    })

    it('cancels a pending postback, never delivers it, and refuses to cancel one in flight', async () => {
      const { store } = await fresh()
      const handler = consume(store)
      handler.answer = () => 'hold'
      const later = await store.add(postback({ delayMs: 400 }))
      expect(await store.cancel(later.id, Date.now())).toMatchObject({ ok: true, postback: { status: 'canceled' } })
      const busy = await store.add(postback())
      await waitFor(() => handler.inFlight.includes(busy.id), { what: 'in flight' })
      expect(await store.cancel(busy.id, Date.now())).toEqual({ ok: false, reason: 'conflict', status: 'processing' })
      await sleep(700)
      expect(handler.started.map((d) => d.id)).toEqual([busy.id])
      expect(await store.retry(later.id, Date.now())).toMatchObject({ ok: true })
    })

    it('counts by status and dates only what is due and waits for an attempt', async () => {
      const { store } = await fresh(hostConcurrency(1))
      const handler = consume(store)
      handler.answer = () => 'hold'
      await store.add(postback({ postbackUrl: urlOf(A) }))
      await waitFor(() => handler.inFlight.length === 1, { what: 'in flight' })
      expect(await store.counts()).toMatchObject({ byStatus: { pending: 0, processing: 1 }, oldestDueAt: null })
      // Scheduled for later, however long ago it was queued: not due, so not dated.
      await store.add(postback({ postbackUrl: urlOf(B), at: Date.now() - 60_000, delayMs: 120_000 }))
      expect(await store.counts()).toMatchObject({ byStatus: { pending: 1, processing: 1 }, oldestDueAt: null })
      // Due, waiting for its destination's one slot.
      const due = postback({ postbackUrl: urlOf(A), at: Date.now() - 5000 })
      await store.add(due)
      expect(await store.counts()).toMatchObject({ byStatus: { pending: 2, processing: 1 }, oldestDueAt: due.runAt })
    })
  })

  describe('crashing', () => {
    it('delivers again what a killed process had claimed, once its claim lapses (POSTBACK_LOCK_MS)', async () => {
      const location = await newLocation(kind)
      defer(() => location.remove())
      const env = { POSTBACK_LOCK_MS: '1000' }
      const before = await opened(location, env)
      const ids = [(await before.add(postback())).id, (await before.add(postback())).id]
      await before.close(0)

      const config = configAt(location, env)
      const consumer = await crashingConsumer(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)])),
        2,
      )
      expect(consumer.claimed().sort()).toEqual([...ids].sort())
      // It holds its claims until it is killed, however long that takes.
      await sleep(300)
      await consumer.kill()

      const after = await opened(location, env)
      const handler = consume(after)
      await waitFor(() => handler.ended.length === 2, { what: 'both delivered after the crash', timeoutMs: 15_000 })
      expect(handler.started.map((d) => d.id).sort()).toEqual([...ids].sort())
      expect(handler.started.every((d) => d.attemptsMade === 0)).toBe(true)
    })
  })

  describe('closing', () => {
    it('records attempts that finish within the drain and hands back the rest, delivered after reopening', async () => {
      const { store, location } = await fresh()
      const handler = consume(store)
      handler.answer = () => 'hold'
      const quick = await store.add(postback())
      const slow = await store.add(postback())
      await waitFor(() => handler.inFlight.length === 2, { what: 'two in flight' })
      setTimeout(() => handler.finish(quick.id), 50)
      await store.close(500)
      expect(handler.ended.map((e) => e.delivery.id)).toEqual([quick.id])

      const reopened = await opened(location)
      expect(await statusOf(reopened, slow.id)).toBe('pending')
      const next = consume(reopened)
      await waitFor(() => next.ended.length === 1, { what: 'the handed-back postback' })
      expect(next.ended[0]!.delivery.id).toBe(slow.id)
      expect(await statusOf(reopened, quick.id)).toBe('completed')
    })
  })
}
