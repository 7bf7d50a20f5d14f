import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, nextEvent, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const socketOn = async (app: TestApp, query: Record<string, string>) => own((await connect(app.url, query)).socket)

  describe('relay', () => {
    it('delivers a client message to the rest of its channel, marked with the sender', async () => {
      const app = await start()
      const sender = await socketOn(app, { channel: 'chat', userId: 'ana' })
      const listener = await socketOn(app, { channel: 'chat', userId: 'bia' })
      const outsider = recordEvents(await socketOn(app, { channel: 'elsewhere', userId: 'cid' }))
      const own = recordEvents(sender)
      const relayed = nextEvent(listener, 'message')
      sender.emit('message', { event: 'chat-message', data: { text: 'hi' } })
      expect(await relayed).toEqual({
        event: 'chat-message',
        data: { text: 'hi' },
        timestamp: expect.any(String),
        from: { userId: 'ana', socketId: sender.id },
      })
      await sleep(150)
      expect(own.filter((e) => e.name === 'message')).toEqual([])
      expect(outsider.filter((e) => e.name === 'message')).toEqual([])
    })

    it('relays nothing with SOCKET_RELAY=false', async () => {
      const app = await start({ SOCKET_RELAY: 'false' })
      const sender = await socketOn(app, { channel: 'chat' })
      const listener = recordEvents(await socketOn(app, { channel: 'chat' }))
      const receipt = nextEvent(sender, 'message-received')
      sender.emit('message', { event: 'x', data: 1 })
      await receipt
      await sleep(150)
      expect(listener.filter((e) => e.name === 'message')).toEqual([])
    })
  })

  describe('lifecycle webhooks', () => {
    const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

    it('queues socket.connected, socket.message and socket.disconnected as signed postbacks', async () => {
      const backend = own(await startReceiver())
      const app = await start({ SOCKET_WEBHOOK_URL: backend.url('/socket-events'), POSTBACK_SIGNING_SECRET: SECRET })
      const socket = await socketOn(app, { channel: 'lobby', userId: 'ana' })
      socket.emit('message', { event: 'typing', data: { on: true } })
      await nextEvent(socket, 'message-received')
      socket.close()
      // The channel filling and emptying is reported too (see occupancy.test.ts).
      const requests = await waitFor(() => {
        const lifecycle = backend.requests.filter((r) => JSON.parse(r.body).event.startsWith('socket.'))
        return lifecycle.length === 3 && lifecycle
      })
      const events = requests.map((r) => JSON.parse(r.body))
      const byName = Object.fromEntries(events.map((e) => [e.event, e]))
      const socketInfo = { socketId: expect.any(String), channel: 'lobby', userId: 'ana', connectedAt: expect.any(String), channels: ['lobby'] }
      expect(byName['socket.connected']).toEqual({ event: 'socket.connected', socket: socketInfo, timestamp: expect.any(String) })
      expect(byName['socket.message']).toEqual({
        event: 'socket.message',
        socket: socketInfo,
        message: { event: 'typing', data: { on: true } },
        timestamp: expect.any(String),
      })
      expect(byName['socket.disconnected']).toEqual({
        event: 'socket.disconnected',
        socket: socketInfo,
        reason: 'client namespace disconnect',
        timestamp: expect.any(String),
      })
      for (const request of requests) {
        expect(() =>
          new Webhook(SECRET).verify(request.body, {
            'webhook-id': String(request.headers['webhook-id']),
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          }),
        ).not.toThrow()
      }
    })

    it('retries a lifecycle webhook the backend failed to take', async () => {
      const connects = (requests: ReceivedRequest[]) => requests.filter((r) => JSON.parse(r.body).event === 'socket.connected')
      const backend: Receiver = own(await startReceiver((request) => ({ status: connects(backend.requests)[0] === request ? 500 : 200 })))
      const app = await start({ SOCKET_WEBHOOK_URL: backend.url() })
      await socketOn(app, { channel: 'lobby' })
      const [first, second] = await waitFor(() => connects(backend.requests).length >= 2 && connects(backend.requests))
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id'])
    })
  })

  describe('offline fallback', () => {
    it('queues the event as a postback when nobody is connected, and says so', async () => {
      const backend = own(await startReceiver())
      const app = await start()
      const response = await app.api('/api/socket/dispatch', {
        body: { userId: 'offline-user', event: 'invoice.ready', data: { id: 7 }, fallback: { postbackUrl: backend.url('/push') } },
      })
      expect(response.body).toMatchObject({ success: true, dispatchedCount: 0, fallbackQueueId: expect.any(String) })
      const [request] = await backend.waitForRequests(1)
      expect(request!.path).toBe('/push')
      expect(request!.headers['webhook-id']).toBe(response.body.fallbackQueueId)
      expect(JSON.parse(request!.body)).toEqual({ event: 'invoice.ready', data: { id: 7 }, userId: 'offline-user', timestamp: expect.any(String) })
    })

    it('queues nothing when someone received the event', async () => {
      const backend = own(await startReceiver())
      const app = await start()
      await socketOn(app, { userId: 'online-user' })
      const response = await app.api('/api/socket/dispatch', {
        body: { userId: 'online-user', event: 'x', fallback: { postbackUrl: backend.url() } },
      })
      expect(response.body.dispatchedCount).toBe(1)
      expect(response.body.fallbackQueueId).toBeUndefined()
      await sleep(200)
      expect(backend.requests).toHaveLength(0)
    })

    it('with ack, counts acknowledgements and falls back when nobody acknowledges in time', async () => {
      const backend = own(await startReceiver())
      const app = await start()
      const acker = await socketOn(app, { channel: 'acks', userId: 'a' })
      acker.on('job', (_message: unknown, ack: (reply: string) => void) => ack('got it'))
      await socketOn(app, { channel: 'acks', userId: 'b' }) // listens to nothing, never acknowledges
      const acked = await app.api('/api/socket/dispatch', {
        body: { channel: 'acks', event: 'job', ack: true, ackTimeoutMs: 300, fallback: { postbackUrl: backend.url() } },
      })
      expect(acked.body).toMatchObject({ dispatchedCount: 2, ackedCount: 1 })
      expect(acked.body.fallbackQueueId).toBeUndefined()

      const silent = await app.api('/api/socket/dispatch', {
        body: { channel: 'acks', userId: 'b', event: 'job', ack: true, ackTimeoutMs: 300, fallback: { postbackUrl: backend.url() } },
      })
      expect(silent.body).toMatchObject({ dispatchedCount: 1, ackedCount: 0, fallbackQueueId: expect.any(String) })
      await backend.waitForRequests(1)
    })

    it('refuses a fallback that could not be queued, before dispatching', async () => {
      const app = await start()
      const socket = recordEvents(await socketOn(app, { channel: 'f' }))
      const response = await app.api('/api/socket/dispatch', {
        body: { channel: 'f', event: 'x', fallback: { postbackUrl: 'ftp://nope' } },
      })
      expect(response.status).toBe(400)
      expect(response.body.message).toMatch(/postbackUrl/)
      await sleep(150)
      expect(socket.filter((e) => e.name === 'x')).toEqual([])
    })
  })
})
