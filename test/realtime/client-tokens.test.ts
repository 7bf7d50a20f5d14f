import { SignJWT } from 'jose'
import type { Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clientTokenKey } from '../../src/auth/client-tokens.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, connectError, nextEvent } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

let app: TestApp
const open: Socket[] = []
afterEach(() => {
  for (const socket of open.splice(0)) socket.close()
})

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  beforeAll(async () => {
    app = await startApp({ STORE: store })
  })
  afterAll(() => app.close())

  const mint = async (body: Record<string, unknown>) => {
    const response = await app.api('/api/socket/token', { body })
    expect(response.status).toBe(200)
    return response.body as { token: string; expiresAt: string }
  }
  const connectWith = async (token: string, query: Record<string, string> = {}) => {
    const result = await connect(app.url, query, { auth: { token } })
    open.push(result.socket)
    return result
  }

  describe('client tokens', () => {
    it('mints a token that expires when asked and connects as its user', async () => {
      const before = Date.now()
      const { token, expiresAt } = await mint({ userId: 'ana', expiresIn: 600 })
      const after = Date.now()
      expect(token.split('.')).toHaveLength(3)
      // Minted between before and after, to the second.
      expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before - 1000 + 600_000)
      expect(Date.parse(expiresAt)).toBeLessThanOrEqual(after + 600_000)
      const { info } = await connectWith(token, { channel: 'lobby' })
      expect(info).toMatchObject({ userId: 'ana', channel: 'lobby' })
    })

    it.each([
      ['a userId with a control character', { userId: 'ana\nbob' }, 'body/userId'],
      ['a userId with DEL', { userId: 'ana\u007f' }, 'body/userId'],
      ['a channel with a control character', { userId: 'ana', channels: ['ok', 'tab\there'] }, 'body/channels/1'],
    ])('refuses %s with 400, as the handshake would', async (_name, body, field) => {
      const response = await app.api('/api/socket/token', { body })
      expect(response.status).toBe(400)
      expect(response.body.error).toBe('VALIDATION_ERROR')
      expect(response.body.message).toMatch(new RegExp(`^${field} must match pattern`))
    })

    it('mints and connects with any name the handshake accepts, up to 200 characters of any script', async () => {
      const userId = '👩🏽‍💻'.repeat(30) + 'é'.repeat(60) // 180 code points, 270 UTF-16 units
      const { token } = await mint({ userId })
      expect((await connectWith(token, { userId, channel: userId })).info).toMatchObject({ userId, channel: userId })
    })

    it('connects to the first allowed channel when none is asked for', async () => {
      const { token } = await mint({ userId: 'ana', channels: ['room-1', 'room-2'] })
      expect((await connectWith(token)).info.channel).toBe('room-1')
      expect((await connectWith(token, { channel: 'room-2' })).info.channel).toBe('room-2')
    })

    it('refuses a channel outside the token and another userId, saying why', async () => {
      const { token } = await mint({ userId: 'ana', channels: ['room-1'] })
      const channel = await connectError(app.url, { channel: 'secret' }, { auth: { token } })
      expect(channel.data).toEqual({ error: 'FORBIDDEN', message: 'channel "secret" is not one this token allows' })
      const user = await connectError(app.url, { userId: 'bob' }, { auth: { token } })
      expect(user.data).toEqual({ error: 'FORBIDDEN', message: 'userId "bob" is not the user this token was made for' })
    })

    it('refuses an expired token', async () => {
      const { token } = await mint({ userId: 'ana', expiresIn: 1 })
      await sleep(2100)
      const error = await connectError(app.url, {}, { auth: { token } })
      expect(error.data).toEqual({ error: 'TOKEN_EXPIRED', message: 'The token has expired' })
    })

    it('refuses a tampered token and one signed with another key', async () => {
      const { token } = await mint({ userId: 'ana', channels: ['room-1'] })
      const [header, payload, signature] = token.split('.')
      const widened = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), channels: ['secret'] }),
      ).toString('base64url')
      const tampered = await connectError(app.url, { channel: 'secret' }, { auth: { token: `${header}.${widened}.${signature}` } })
      expect(tampered.data?.error).toBe('INVALID_TOKEN')

      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('ana')
        .setAudience('queue-socket-provider:socket')
        .setExpirationTime('1h')
        .sign(clientTokenKey('some other api token'))
      expect((await connectError(app.url, {}, { auth: { token: forged } })).data?.error).toBe('INVALID_TOKEN')
    })

    it('refuses a token request without a userId or with bad channels', async () => {
      for (const body of [{}, { userId: '' }, { userId: 'a', channels: [] }, { userId: 'a', expiresIn: 0 }]) {
        const response = await app.api('/api/socket/token', { body })
        expect(response.status).toBe(400)
        expect(response.body.error).toBe('VALIDATION_ERROR')
      }
    })

    it('keeps the API token working for any user and channel', async () => {
      const { info } = await connectWith(TOKEN, { channel: 'staff-only', userId: 'anyone' })
      expect(info).toMatchObject({ channel: 'staff-only', userId: 'anyone' })
    })
  })

  describe('subscriptions', () => {
    it('subscribes with an ack, receives the channel’s dispatches and counts in its stats', async () => {
      const { socket } = await connectWith(TOKEN, { channel: 'home', userId: 'ana' })
      expect(await socket.emitWithAck('subscribe', { channel: 'news' })).toEqual({ ok: true, channel: 'news' })
      const stats = (await app.api('/api/socket/sockets/channel/news/stats')).body
      expect(stats).toEqual({ channel: 'news', userCount: 1, socketCount: 1 })
      const listed = (await app.api('/api/socket/sockets/stats?channel=news')).body.connections
      expect(listed).toEqual([expect.objectContaining({ socketId: socket.id, channel: 'home', channels: ['home', 'news'] })])

      const arrival = nextEvent(socket, 'headline')
      const dispatched = await app.api('/api/socket/dispatch', { body: { channel: 'news', event: 'headline', data: 1 } })
      expect(dispatched.body.dispatchedCount).toBe(1)
      await arrival
      const pair = await app.api('/api/socket/dispatch', { body: { channel: 'news', userId: 'ana', event: 'for-ana' } })
      expect(pair.body.dispatchedCount).toBe(1)
    })

    it('unsubscribes with an ack and stops receiving', async () => {
      const { socket } = await connectWith(TOKEN, { channel: 'home', userId: 'ana' })
      await socket.emitWithAck('subscribe', { channel: 'sports' })
      expect(await socket.emitWithAck('unsubscribe', { channel: 'sports' })).toEqual({ ok: true, channel: 'sports' })
      await waitFor(async () => (await app.api('/api/socket/dispatch', { body: { channel: 'sports', event: 'x' } })).body.dispatchedCount === 0)
    })

    it('holds a client token to its channels', async () => {
      const { token } = await mint({ userId: 'ana', channels: ['room-1', 'room-2'] })
      const { socket } = await connectWith(token)
      expect(await socket.emitWithAck('subscribe', { channel: 'room-2' })).toEqual({ ok: true, channel: 'room-2' })
      expect(await socket.emitWithAck('subscribe', { channel: 'secret' })).toEqual({
        ok: false,
        error: 'FORBIDDEN',
        message: 'channel "secret" is not one this token allows',
      })
      expect((await app.api('/api/socket/sockets/channel/secret/stats')).body.socketCount).toBe(0)
    })

    it('answers a malformed request with ok: false', async () => {
      const { socket } = await connectWith(TOKEN)
      for (const bad of [null, 'news', {}, { channel: '' }, { channel: 5 }, { channel: 'x'.repeat(201) }]) {
        expect(await socket.emitWithAck('subscribe', bad)).toMatchObject({ ok: false, error: 'VALIDATION_ERROR' })
      }
    })
  })
})
