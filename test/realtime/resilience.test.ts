import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, nextEvent, recordEvents, type ClientOptions } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const socketOn = async (app: TestApp, query: Record<string, string>, options: ClientOptions = {}) =>
    own((await connect(app.url, query, options)).socket)
  const dispatch = (app: TestApp, body: unknown) => app.api('/api/socket/dispatch', { body })

  /** A well-behaved client that must keep getting its events while others misbehave. */
  async function witness(app: TestApp) {
    const socket = await socketOn(app, { channel: 'witness' })
    return async () => {
      const arrival = nextEvent(socket, 'still-there', 10_000)
      expect((await dispatch(app, { channel: 'witness', event: 'still-there', data: 1 })).body.dispatchedCount).toBe(1)
      await arrival
    }
  }

  describe('connection-state recovery', () => {
    it('gives a client that lost its connection the events it missed', async () => {
      const app = await start()
      const socket = await socketOn(app, { channel: 'live', userId: 'ana' }, { reconnection: true, reconnectionDelay: 500, randomizationFactor: 0 })
      const firstId = socket.id
      const events = recordEvents(socket)
      // Drop the transport the way a network failure would.
      socket.io.engine.close()
      await waitFor(async () => (await dispatch(app, { channel: 'live', event: 'probe' })).body.dispatchedCount === 0)
      await dispatch(app, { channel: 'live', event: 'missed', data: { n: 1 } })
      await dispatch(app, { userId: 'ana', event: 'missed-too', data: { n: 2 } })
      await waitFor(() => socket.connected && events.some((e) => e.name === 'missed-too'), { what: 'the missed events' })
      expect(socket.recovered).toBe(true)
      expect(socket.id).toBe(firstId)
      expect(events.find((e) => e.name === 'missed')?.payload).toMatchObject({ event: 'missed', data: { n: 1 } })
      expect((await dispatch(app, { channel: 'live', event: 'after' })).body.dispatchedCount).toBe(1)
    })
  })

  describe('limits and bad clients', () => {
    it('closes a client that sends more than SOCKET_MAX_PAYLOAD_BYTES and keeps serving the others', async () => {
      const app = await start({ SOCKET_MAX_PAYLOAD_BYTES: '2048' })
      const check = await witness(app)
      const big = await socketOn(app, { channel: 'big' })
      const closed = nextEvent(big, 'disconnect')
      big.emit('message', { event: 'huge', data: 'x'.repeat(10_000) })
      expect(await closed).toBe('transport close')
      await check()
    })

    it('drops events past SOCKET_EVENTS_PER_SECOND and tells the flooding client', async () => {
      const app = await start({ SOCKET_EVENTS_PER_SECOND: '10' })
      const check = await witness(app)
      const flooder = await socketOn(app, { channel: 'flood' })
      const events = recordEvents(flooder)
      const floodStart = Date.now()
      for (let i = 0; i < 300; i++) flooder.emit('message', { event: 'spam', data: i })
      await waitFor(() => events.some((e) => e.name === 'error' && e.payload.error === 'RATE_LIMITED'))
      await check()
      // A ping answered after the flood (with a pong, or refused as RATE_LIMITED): the server has
      // handled every earlier event by then.
      await flooder.timeout(10_000).emitWithAck('ping')
      const elapsedSeconds = (Date.now() - floodStart) / 1000
      const echoed = events.filter((e) => e.name === 'message-received').length
      // A full bucket (twice the rate) lets the first 20 through; then 10 a second at most.
      expect(echoed).toBeGreaterThanOrEqual(20)
      expect(echoed).toBeLessThanOrEqual(20 + Math.ceil(10 * elapsedSeconds))
      expect(flooder.connected).toBe(true)
    })

    it('survives garbage: unknown events, wrong types, deep nesting, binary and undecodable packets', async () => {
      const app = await start()
      const check = await witness(app)
      const rogue = await socketOn(app, { channel: 'rogue' })
      rogue.emit('no-such-event', { a: 1 })
      rogue.emit('subscribe', 42, 'not a function')
      rogue.emit('ping', { not: 'an ack' })
      rogue.emit('message', Buffer.from([1, 2, 3]))
      let deep: unknown = 'bottom'
      for (let i = 0; i < 2000; i++) deep = { deep }
      rogue.emit('message', { event: 'deep', data: deep })
      rogue.emit('message', { event: 'binary', data: Buffer.alloc(100) })
      await check()
      // An engine.io message that is not a Socket.IO packet: the server drops that client only.
      const closed = nextEvent(rogue, 'disconnect')
      rogue.io.engine.write('garbage{{{')
      await closed
      await check()
      expect((await app.api('/health', { token: null })).status).toBe(200)
    })
  })

  describe('POST /api/socket/disconnect', () => {
    it('forces off one socket, a user’s sockets or a channel, returning the count', async () => {
      const app = await start()
      const one = await socketOn(app, { channel: 'd', userId: 'u1' })
      const twoA = await socketOn(app, { channel: 'd', userId: 'u2' })
      const twoB = await socketOn(app, { channel: 'e', userId: 'u2' })
      const rest = await socketOn(app, { channel: 'd', userId: 'u3' })

      const reason = nextEvent(one, 'disconnect')
      expect((await app.api('/api/socket/disconnect', { body: { socketId: one.id } })).body).toEqual({
        success: true,
        message: 'Sockets disconnected',
        disconnectedCount: 1,
      })
      expect(await reason).toBe('io server disconnect')
      expect((await app.api('/api/socket/disconnect', { body: { userId: 'u2' } })).body.disconnectedCount).toBe(2)
      await waitFor(() => !twoA.connected && !twoB.connected)
      expect((await app.api('/api/socket/disconnect', { body: { channel: 'd' } })).body.disconnectedCount).toBe(1)
      await waitFor(() => !rest.connected)
      expect((await app.api('/api/socket/disconnect', { body: { channel: 'd' } })).body.disconnectedCount).toBe(0)
    })

    it('refuses an empty target and a socketId mixed with others', async () => {
      const app = await start()
      const cases: [object, string][] = [
        [{}, 'socketId, channel or userId is required'],
        [{ socketId: 'x', channel: 'c' }, 'give socketId alone, or channel and/or userId'],
      ]
      for (const [body, message] of cases) {
        const response = await app.api('/api/socket/disconnect', { body })
        expect(response.status).toBe(400)
        expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message })
      }
    })
  })
})
