// The embedded store's scheduler, on a real SQLite file, with the clock in the test's hands: a
// postback is attempted at its due time to the millisecond the timers allow, whatever else its
// destination is doing.
import { rm } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PostbackStore } from '../../src/postbacks/store.js'
import { openStores } from '../../src/stores/registry.js'
import { tempDir } from '../helpers/app.js'
import { configAt } from '../stores/drivers.js'
import { postback } from '../stores/drivers.js'
import { FakeHandler } from '../stores/fake-handler.js'

const HOOK = 'http://a.test/hook'

describe('the SQLite scheduler', () => {
  let dir: string
  let store: PostbackStore
  let handler: FakeHandler

  beforeEach(async () => {
    dir = await tempDir('qsp-scheduler-')
    vi.useFakeTimers({ now: 1_800_000_000_000 })
    const location = { env: { STORE: 'sqlite', DATA_DIR: dir }, remove: async () => undefined }
    store = (await openStores(configAt(location), { warn: () => undefined, error: () => undefined })).postbacks
    handler = new FakeHandler(10)
    store.consume(handler)
  })

  afterEach(async () => {
    vi.useRealTimers()
    await store.close(0)
    await rm(dir, { recursive: true, force: true })
  })

  const add = async (input: Parameters<typeof postback>[0]) => {
    const added = store.add(postback({ postbackUrl: HOOK, ...input }))
    await vi.advanceTimersByTimeAsync(0)
    return (await added).id
  }
  const startedIds = () => handler.started.map((d) => d.id)

  it('attempts a delayed postback at its time while an attempt to its destination hangs', async () => {
    const hanging = await add({})
    handler.answer = (d) => (d.id === hanging ? 'hold' : 'completed')
    await vi.advanceTimersByTimeAsync(1)
    expect(handler.inFlight).toEqual([hanging])

    const delayed = await add({ delayMs: 3000 })
    const now = await add({})
    await vi.advanceTimersByTimeAsync(10)
    expect(startedIds()).toEqual([hanging, now])

    await vi.advanceTimersByTimeAsync(2980)
    expect(startedIds()).not.toContain(delayed)
    await vi.advanceTimersByTimeAsync(20)
    expect(startedIds()).toContain(delayed)
  })

  it('makes a retry at its retry time while an attempt to its destination hangs', async () => {
    const hanging = await add({})
    handler.answer = (d) => (d.id === hanging ? 'hold' : d.attemptsMade === 0 ? { retryInMs: 2000 } : 'completed')
    await vi.advanceTimersByTimeAsync(1)
    const retried = await add({})
    await vi.advanceTimersByTimeAsync(10)
    expect(handler.started.filter((d) => d.id === retried)).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(1970)
    expect(handler.started.filter((d) => d.id === retried)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(40)
    expect(handler.started.filter((d) => d.id === retried).map((d) => d.attemptsMade)).toEqual([0, 1])
    expect(handler.inFlight).toEqual([hanging])
  })

  it('sets no timer earlier than needed: a postback due in an hour waits without attempts', async () => {
    const later = await add({ delayMs: 3_600_000 })
    await vi.advanceTimersByTimeAsync(3_599_000)
    expect(startedIds()).toEqual([])
    await vi.advanceTimersByTimeAsync(2000)
    expect(startedIds()).toEqual([later])
  })
})
