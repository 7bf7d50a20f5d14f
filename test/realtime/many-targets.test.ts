// Many targets per dispatch and the batch route (SPEC §9): channels, userIds, exceptSocketId,
// distinct-socket counts, and per-item results in order.
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { unique } from '../helpers/realtime.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

/** Long enough for an event sent to a socket to have arrived, so that its absence means something. */
const settle = () => sleep(200)

describe.each(stores)('%s store', (store) => {
  const start = async () => own(await startApp({ STORE: store }))
  /** A socket of `userId` in `channel`, subscribed to `more`, recording what it receives. */
  async function client(app: TestApp, channel: string, userId: string, ...more: string[]) {
    const { socket, info } = await connect(app.url, { channel, userId })
    own(socket)
    for (const extra of more) await socket.emitWithAck('subscribe', { channel: extra })
    const events = recordEvents(socket)
    return { socket, id: info.socketId, got: (event: string) => events.filter((e) => e.name === event).length }
  }
  const dispatch = (app: TestApp, body: object) => app.api('/api/socket/dispatch', { body })

  it('sends once to each socket in any of several channels, counting distinct sockets', async () => {
    const app = await start()
    const [c1, c2, c3] = [unique('c1'), unique('c2'), unique('c3')]
    const inBoth = await client(app, c1, 'ana', c2)
    const inOne = await client(app, c2, 'bia')
    const outside = await client(app, c3, 'cid')
    const response = await dispatch(app, { channels: [c1, c2, c1], event: 'news', data: 1 })
    expect(response.body).toMatchObject({ success: true, dispatchedCount: 2 })
    await waitFor(() => inBoth.got('news') === 1 && inOne.got('news') === 1)
    await settle()
    expect([inBoth.got('news'), inOne.got('news'), outside.got('news')]).toEqual([1, 1, 0])
  })

  it('sends to several users, and to those users in those channels only', async () => {
    const app = await start()
    const [c1, c2] = [unique('c1'), unique('c2')]
    const anaHere = await client(app, c1, 'ana')
    const anaThere = await client(app, c2, 'ana')
    const bia = await client(app, c1, 'bia', c2)
    const cid = await client(app, c1, 'cid')
    expect((await dispatch(app, { userIds: ['ana', 'bia', 'nobody'], event: 'dm' })).body.dispatchedCount).toBe(3)
    const pairs = await dispatch(app, { channels: [c1, c2], userIds: ['ana', 'bia'], event: 'pair' })
    expect(pairs.body.dispatchedCount).toBe(3)
    const mixed = await dispatch(app, { channel: c2, userIds: ['ana', 'bia', 'cid'], event: 'mixed' })
    expect(mixed.body.dispatchedCount).toBe(2)
    await waitFor(() => bia.got('mixed') === 1 && anaThere.got('mixed') === 1)
    await settle()
    expect([anaHere, anaThere, bia, cid].map((c) => [c.got('dm'), c.got('pair'), c.got('mixed')])).toEqual([
      [1, 1, 0],
      [1, 1, 1],
      [1, 1, 1],
      [0, 0, 0],
    ])
  })

  it('leaves out exceptSocketId, from the sending and from the count', async () => {
    const app = await start()
    const room = unique('room')
    const sender = await client(app, room, 'ana')
    const other = await client(app, room, 'bia')
    const response = await dispatch(app, { channel: room, event: 'typed', exceptSocketId: sender.id })
    expect(response.body.dispatchedCount).toBe(1)
    await waitFor(() => other.got('typed') === 1)
    await settle()
    expect(sender.got('typed')).toBe(0)
    expect((await dispatch(app, { channel: room, event: 'typed', exceptSocketId: 'no-such-socket' })).body.dispatchedCount).toBe(2)
  })

  it.each([
    ['channel with channels', { channel: 'a', channels: ['b'], event: 'x' }, 'give channel or channels, not both'],
    ['userId with userIds', { userId: 'a', userIds: ['b'], event: 'x' }, 'give userId or userIds, not both'],
  ])('refuses %s with 400', async (_name, body, message) => {
    const app = await start()
    expect((await dispatch(app, body)).body).toEqual({ error: 'VALIDATION_ERROR', message })
  })

  it('refuses empty lists and lists of more than 100 with 400', async () => {
    const app = await start()
    const many = Array.from({ length: 101 }, (_, i) => `c${i}`)
    for (const body of [{ channels: [], event: 'x' }, { userIds: [], event: 'x' }, { channels: many, event: 'x' }, { userIds: many, event: 'x' }]) {
      const response = await dispatch(app, body)
      expect(response.status).toBe(400)
      expect(response.body.message).toMatch(/^body\/(channels|userIds) must NOT have (fewer|more) than/)
    }
  })

  describe('POST /api/socket/dispatch/batch', () => {
    it('sends every item in order and answers each in its place, a bad item with its error', async () => {
      const app = await start()
      const room = unique('room')
      const { socket } = await connect(app.url, { channel: room, userId: 'ana' })
      own(socket)
      const order: string[] = []
      socket.onAny((name: string) => order.push(name))
      const response = await app.api('/api/socket/dispatch/batch', {
        body: {
          items: [
            { channel: room, event: 'first' },
            { channel: room, event: '' },
            { channel: room, event: 'connected' },
            { userIds: ['ana', 'bia'], event: 'second' },
            'not an object',
            { channel: room, channels: [room], event: 'x' },
            { userId: 'ana', event: 'third', durable: true },
          ],
        },
      })
      expect(response.status).toBe(200)
      expect(response.body.results).toEqual([
        { dispatchedCount: 1 },
        { error: 'VALIDATION_ERROR', message: 'items/1/event must NOT have fewer than 1 characters' },
        { error: 'VALIDATION_ERROR', message: 'event "connected" is reserved: the service or Socket.IO sends it' },
        { dispatchedCount: 1 },
        { error: 'VALIDATION_ERROR', message: 'items/4 must be object' },
        { error: 'VALIDATION_ERROR', message: 'give channel or channels, not both' },
        { dispatchedCount: 1, messageId: expect.any(String) },
      ])
      await waitFor(() => order.length === 3)
      expect(order).toEqual(['first', 'second', 'third'])
    })

    it('answers 400 only for a missing or empty items list, or more than 100 items', async () => {
      const app = await start()
      const item = { channel: 'c', event: 'x' }
      for (const body of [{}, { items: [] }, { items: Array.from({ length: 101 }, () => item) }, { items: 'x' }]) {
        const response = await app.api('/api/socket/dispatch/batch', { body })
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR', message: expect.stringMatching(/^body/) })
      }
      const hundred = await app.api('/api/socket/dispatch/batch', { body: { items: Array.from({ length: 100 }, () => item) } })
      expect(hundred.body.results).toHaveLength(100)
    })
  })
})
