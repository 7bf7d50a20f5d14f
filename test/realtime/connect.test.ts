import type { Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, connectError, nextEvent } from '../helpers/sockets.js'

let app: TestApp
const open: Socket[] = []

afterEach(() => {
  for (const socket of open.splice(0)) socket.close()
})

async function connected(...args: Parameters<typeof connect>) {
  const result = await connect(...args)
  open.push(result.socket)
  return result
}

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  beforeAll(async () => {
    app = await startApp({ STORE: store })
  })
  afterAll(() => app.close())

  describe('connecting', () => {
    it('accepts the token from auth.token and sends `connected` with the identity', async () => {
      const { socket, info } = await connected(app.url, { channel: 'news', userId: 'ana' })
      expect(info).toEqual({
        socketId: socket.id,
        channel: 'news',
        userId: 'ana',
        connectedAt: expect.any(String),
        channels: ['news'],
      })
      expect(new Date(info.connectedAt).toISOString()).toBe(info.connectedAt)
    })

    it('accepts the token from the `token` query parameter', async () => {
      const { info } = await connected(app.url, { token: TOKEN, channel: 'q' }, { auth: {} })
      expect(info.channel).toBe('q')
    })

    it('accepts the token from an Authorization header, bearer or raw', async () => {
      for (const authorization of [`Bearer ${TOKEN}`, TOKEN]) {
        const { info } = await connected(app.url, { channel: 'h' }, { auth: {}, extraHeaders: { authorization } })
        expect(info.channel).toBe('h')
      }
    })

    it('works over HTTP long-polling too', async () => {
      const { info } = await connected(app.url, { channel: 'poll' }, { transports: ['polling'] })
      expect(info.channel).toBe('poll')
    })

    it('refuses a connection without a token', async () => {
      const error = await connectError(app.url, {}, { auth: {} })
      expect(error.message).toMatch(/token/i)
      expect(error.data).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String) })
    })

    it('refuses a connection with a wrong token, wherever it is given', async () => {
      for (const options of [
        { auth: { token: 'wrong' } },
        { auth: {}, query: { token: 'wrong' } },
        { auth: {}, extraHeaders: { authorization: 'Bearer wrong' } },
      ]) {
        const error = await connectError(app.url, {}, options)
        expect(error.data?.error).toBe('UNAUTHORIZED')
      }
    })

    it('generates a unique channel and userId when they are not given', async () => {
      const a = await connected(app.url)
      const b = await connected(app.url)
      for (const { info } of [a, b]) {
        expect(info.channel).toMatch(/^channel-.+/)
        expect(info.userId).toMatch(/^user-.+/)
      }
      expect(a.info.channel).not.toBe(b.info.channel)
      expect(a.info.userId).not.toBe(b.info.userId)
    })

    it('refuses a channel longer than 200 characters', async () => {
      const error = await connectError(app.url, { channel: 'c'.repeat(201) }, {})
      expect(error.data).toEqual({ error: 'VALIDATION_ERROR', message: expect.stringMatching(/channel/) })
    })
  })

  describe('client events', () => {
    it('answers ping with pong {timestamp}', async () => {
      const { socket } = await connected(app.url)
      const pong = nextEvent(socket, 'pong')
      const before = Date.now()
      socket.emit('ping')
      const { timestamp } = await pong
      expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before)
      expect(Date.parse(timestamp)).toBeLessThanOrEqual(Date.now())
    })

    it('answers message with message-received carrying the original message', async () => {
      const { socket } = await connected(app.url)
      const receipt = nextEvent(socket, 'message-received')
      socket.emit('message', { event: 'chat-message', data: { text: 'Hello World!' } })
      expect(await receipt).toEqual({
        originalMessage: { event: 'chat-message', data: { text: 'Hello World!' }, timestamp: expect.any(String) },
        receivedAt: expect.any(String),
      })
    })

    it('answers a malformed message with an error event and keeps the socket working', async () => {
      const { socket } = await connected(app.url)
      for (const garbage of ['text', 42, null, [], { data: 1 }, { event: '' }, { event: 5 }]) {
        const error = nextEvent(socket, 'error')
        socket.emit('message', garbage)
        expect(await error).toEqual({ error: 'VALIDATION_ERROR', message: expect.any(String) })
      }
      const pong = nextEvent(socket, 'pong')
      socket.emit('ping')
      await pong
      expect(socket.connected).toBe(true)
    })
  })
})
