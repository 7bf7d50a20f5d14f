// The inbox store contract, run against every driver (opened the way the service opens it).
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'
import type { InboxStore } from '../../src/realtime/inbox/store.js'
import type { InboxMessage } from '../../src/realtime/schemas/inbox.js'
import { openInboxStore } from '../../src/stores/registry.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { configAt, newLocation } from './drivers.js'

const { defer } = cleanupAfterEach()

const stores = await storesUnderTest()

let made = 0
const message = (event = 'e', data: unknown = { n: made }): InboxMessage => ({
  event,
  data,
  timestamp: new Date().toISOString(),
  messageId: `m-${++made}`,
})
const quiet = { warn: () => undefined, error: () => undefined }
const HOUR = 3_600_000
/** A page bound no message here comes near. */
const ANY_SIZE = 1_000_000

describe.each(stores)('%s inbox store', (kind) => {
  async function open(): Promise<InboxStore> {
    const location = await newLocation(kind)
    defer(() => location.remove())
    const store = await openInboxStore(configAt(location), quiet)
    defer(() => store.close())
    return store
  }
  const ids = (found: { message: InboxMessage }[]) => found.map((f) => f.message.messageId)

  it('keeps each user’s copies in the order stored, read in pages after a seq', async () => {
    const store = await open()
    const now = Date.now()
    const sent = [message(), message(), message()]
    for (const m of sent) expect(await store.add(['ana', 'bia'], m, now + HOUR, 10, now)).toEqual({})
    const all = await store.pending('ana', 0, 10, ANY_SIZE, now)
    expect(all.map((f) => f.message)).toEqual(sent)
    expect(ids(await store.pending('ana', all[0]!.seq, 1, ANY_SIZE, now))).toEqual([sent[1]!.messageId])
    expect(ids(await store.pending('bia', 0, 10, ANY_SIZE, now))).toEqual(sent.map((m) => m.messageId))
    expect(await store.stats('ana', now)).toEqual({ pending: 3, oldestAt: sent[0]!.timestamp })
  })

  it('ends a page before the message that takes it past maxBytes, but always gives the first', async () => {
    const store = await open()
    const now = Date.now()
    const sent = [message('e', 'x'.repeat(1000)), message('e', 'y'.repeat(1000)), message('e', 'z'.repeat(1000))]
    for (const m of sent) await store.add(['ana'], m, now + HOUR, 10, now)
    const size = Buffer.byteLength(JSON.stringify(sent[0]))
    expect(ids(await store.pending('ana', 0, 10, 2 * size + 10, now))).toEqual([sent[0]!.messageId, sent[1]!.messageId])
    expect(ids(await store.pending('ana', 0, 10, 1, now))).toEqual([sent[0]!.messageId])
    const [first] = await store.pending('ana', 0, 10, 1, now)
    expect(ids(await store.pending('ana', first!.seq, 10, 3 * size + 10, now))).toEqual([sent[1]!.messageId, sent[2]!.messageId])
  })

  it('removes one user’s copy on ack, once', async () => {
    const store = await open()
    const now = Date.now()
    const m = message()
    await store.add(['ana', 'bia'], m, now + HOUR, 10, now)
    expect(await store.ack('ana', m.messageId)).toBe(true)
    expect(await store.ack('ana', m.messageId)).toBe(false)
    expect(await store.stats('ana', now)).toEqual({ pending: 0, oldestAt: null })
    expect((await store.stats('bia', now)).pending).toBe(1)
  })

  it('neither counts nor returns an expired message, and purges it', async () => {
    const store = await open()
    const now = Date.now()
    await store.add(['ana'], message('short'), now + 1000, 10, now)
    await store.add(['ana'], message('long'), now + HOUR, 10, now)
    const later = now + 2000
    expect((await store.pending('ana', 0, 10, ANY_SIZE, later)).map((f) => f.message.event)).toEqual(['long'])
    expect((await store.stats('ana', later)).pending).toBe(1)
    await store.add(['bia'], message('short'), now + 1000, 10, now)
    while ((await store.purgeExpired(later, 100)) > 0);
    expect(await store.clear('bia')).toBe(0)
    expect(await store.clear('ana')).toBe(1)
  })

  it('stores for every user or for none when one is full', async () => {
    const store = await open()
    const now = Date.now()
    await store.add(['ana'], message(), now + HOUR, 2, now)
    await store.add(['ana'], message(), now + HOUR, 2, now)
    expect(await store.add(['bia', 'ana'], message(), now + HOUR, 2, now)).toEqual({ full: 'ana' })
    expect((await store.stats('bia', now)).pending).toBe(0)
    // Expired messages do not count against the limit.
    expect(await store.add(['ana'], message(), now + HOUR, 2, now + 2 * HOUR)).toEqual({})
  })

  it('clears a user and answers how many were waiting', async () => {
    const store = await open()
    const now = Date.now()
    await store.add(['ana'], message(), now + HOUR, 10, now)
    await store.add(['ana'], message(), now + HOUR, 10, now)
    expect(await store.clear('ana')).toBe(2)
    expect(await store.pending('ana', 0, 10, ANY_SIZE, now)).toEqual([])
  })

  it('lists the users with pending messages, most first, at most limit', async () => {
    const store = await open()
    const now = Date.now()
    const first = message()
    await store.add(['ana', 'bia', 'cid'], first, now + HOUR, 10, now)
    await store.add(['bia', 'cid'], message(), now + HOUR, 10, now)
    await store.add(['bia'], message(), now + HOUR, 10, now)
    expect(await store.busiest(10, now)).toEqual([
      { userId: 'bia', pending: 3, oldestAt: first.timestamp },
      { userId: 'cid', pending: 2, oldestAt: first.timestamp },
      { userId: 'ana', pending: 1, oldestAt: first.timestamp },
    ])
    expect((await store.busiest(2, now)).map((user) => user.userId)).toEqual(['bia', 'cid'])
  })

  it('keeps the list true after acks and clears, and leaves out expired messages and empty inboxes', async () => {
    const store = await open()
    const now = Date.now()
    const [short, kept, acked] = [message('short', { big: 'x'.repeat(10_000) }), message(), message()]
    await store.add(['ana'], short, now + 1000, 10, now)
    await store.add(['ana'], kept, now + HOUR, 10, now)
    await store.add(['ana', 'bia'], acked, now + HOUR, 10, now)
    await store.add(['cid'], message(), now + 1000, 10, now)
    await store.add(['dan'], message(), now + HOUR, 10, now)
    expect(await store.ack('ana', acked.messageId)).toBe(true)
    expect(await store.clear('dan')).toBe(1)
    expect(await store.busiest(10, now)).toEqual([
      { userId: 'ana', pending: 2, oldestAt: short.timestamp },
      { userId: 'bia', pending: 1, oldestAt: acked.timestamp },
      { userId: 'cid', pending: 1, oldestAt: expect.any(String) },
    ])
    // Once short and cid's message have expired (a read may purge them: ask in time order).
    const later = now + 2000
    expect(await store.busiest(10, later)).toEqual([
      { userId: 'ana', pending: 1, oldestAt: kept.timestamp },
      { userId: 'bia', pending: 1, oldestAt: acked.timestamp },
    ])
  })

  it('holds 100,000 messages in the store, not in this process’s memory', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const store = await open()
    const users = Array.from({ length: 100 }, (_, i) => `user-${i}`)
    const now = Date.now()
    gc()
    const before = process.memoryUsage().heapUsed
    const data = 'x'.repeat(200)
    for (let i = 0; i < 1000; i++) await store.add(users, message('bulk', data), now + HOUR, 1000, now)
    gc()
    const grown = process.memoryUsage().heapUsed - before
    // 100,000 copies of 200+ bytes would take well over 20 MB if they were held here.
    expect(grown).toBeLessThan(8 * 1024 * 1024)
    expect(await store.stats('user-42', now)).toMatchObject({ pending: 1000 })
    const busiest = await store.busiest(3, now)
    expect(busiest.map((user) => user.pending)).toEqual([1000, 1000, 1000])
    expect(await store.add(['user-42'], message(), now + HOUR, 1000, now)).toEqual({ full: 'user-42' })
  })
})
