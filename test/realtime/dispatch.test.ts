import type { Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, nextEvent, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

let app: TestApp
const open: Socket[] = []

afterEach(() => {
  for (const socket of open.splice(0)) socket.close()
})

/** Connects sockets and records every event each receives. */
async function clients(...identities: [channel: string, userId: string][]) {
  return Promise.all(
    identities.map(async ([channel, userId]) => {
      const { socket, info } = await connect(app.url, { channel, userId })
      open.push(socket)
      return { socket, info, events: recordEvents(socket) }
    }),
  )
}

const dispatch = (body: unknown) => app.api('/api/socket/dispatch', { body })

/** Events are delivered asynchronously; a short settle lets absent events prove their absence. */
const settle = () => sleep(150)

const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2)}`

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  beforeAll(async () => {
    app = await startApp({ STORE: store })
  })
  afterAll(() => app.close())

  describe('POST /api/socket/dispatch', () => {
    it('sends to every socket in a channel and counts them', async () => {
      const room = unique('room')
      const [a, b, other] = await clients([room, 'u1'], [room, 'u2'], [unique('elsewhere'), 'u1'])
      const received = nextEvent(a!.socket, 'notification')
      const response = await dispatch({ channel: room, event: 'notification', data: { title: 'Hi' } })
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ success: true, message: 'Event dispatched successfully', dispatchedCount: 2 })
      expect(await received).toEqual({ event: 'notification', data: { title: 'Hi' }, timestamp: expect.any(String) })
      await waitFor(() => b!.events.some((e) => e.name === 'notification'))
      await settle()
      expect(other!.events.filter((e) => e.name === 'notification')).toEqual([])
    })

    it('sends to every socket of a user, in any channel', async () => {
      const user = unique('user')
      const [a, b, other] = await clients([unique('c1'), user], [unique('c2'), user], [unique('c1'), unique('someone')])
      const response = await dispatch({ userId: user, event: 'private-message', data: 'psst' })
      expect(response.body.dispatchedCount).toBe(2)
      await waitFor(() => a!.events.some((e) => e.name === 'private-message'))
      await waitFor(() => b!.events.some((e) => e.name === 'private-message'))
      await settle()
      expect(other!.events.some((e) => e.name === 'private-message')).toBe(false)
    })

    it('sends to a user’s sockets in one channel only when both are given', async () => {
      const user = unique('user')
      const room = unique('room')
      const [target1, target2, sameUserElsewhere, sameChannelOtherUser] = await clients(
        [room, user],
        [room, user],
        [unique('other-room'), user],
        [room, unique('other-user')],
      )
      const response = await dispatch({ channel: room, userId: user, event: 'targeted', data: { n: 1 } })
      expect(response.body.dispatchedCount).toBe(2)
      await waitFor(() => target1!.events.some((e) => e.name === 'targeted'))
      await waitFor(() => target2!.events.some((e) => e.name === 'targeted'))
      await settle()
      expect(sameUserElsewhere!.events.some((e) => e.name === 'targeted')).toBe(false)
      expect(sameChannelOtherUser!.events.some((e) => e.name === 'targeted')).toBe(false)
    })

    it('answers dispatchedCount 0 when nobody matches', async () => {
      const response = await dispatch({ channel: unique('empty'), event: 'x', data: {} })
      expect(response.status).toBe(200)
      expect(response.body.dispatchedCount).toBe(0)
    })

    it('stops counting a socket once it disconnects', async () => {
      const room = unique('room')
      const [a, b] = await clients([room, 'u1'], [room, 'u2'])
      a!.socket.close()
      await waitFor(async () => (await dispatch({ channel: room, event: 'x' })).body.dispatchedCount === 1)
      expect(b!.socket.connected).toBe(true)
    })

    const invalid: [string, unknown, RegExp][] = [
      ['neither channel nor userId', { event: 'x', data: {} }, /channel or userId/],
      ['an empty event', { channel: 'c', event: '' }, /event/],
      ['no event', { channel: 'c', data: {} }, /event/],
      ['an event that is not a string', { channel: 'c', event: 5 }, /event/],
      ['an empty channel', { channel: '', event: 'x' }, /channel/],
      ['a reserved Socket.IO event', { channel: 'c', event: 'disconnect' }, /reserved/],
    ]
    it.each(invalid)('refuses %s with 400', async (_name, body, message) => {
      const response = await dispatch(body)
      expect(response.status).toBe(400)
      expect(response.body.error).toBe('VALIDATION_ERROR')
      expect(response.body.message).toMatch(message)
    })

    it.each([
      'connected',
      'message-received',
      'pong',
      'error',
      'presence.joined',
      'presence.left',
      'connect',
      'connect_error',
      'disconnect',
      'disconnecting',
      'newListener',
      'removeListener',
    ])('refuses the reserved event name %s with 400 and sends nothing', async (event) => {
      const room = unique('room')
      const [client] = await clients([room, 'u1'])
      const response = await dispatch({ channel: room, event, data: { fake: true } })
      expect(response.status).toBe(400)
      expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: `event "${event}" is reserved: the service or Socket.IO sends it` })
      // A later dispatch arrives first: the refused one was never sent.
      const marker = nextEvent(client!.socket, 'marker')
      await dispatch({ channel: room, event: 'marker' })
      await marker
      expect(client!.events.map((e) => e.name)).toEqual(['marker'])
    })

    it('still dispatches `message`, which seed clients listen to', async () => {
      const room = unique('room')
      const [client] = await clients([room, 'u1'])
      const arrival = nextEvent(client!.socket, 'message')
      expect((await dispatch({ channel: room, event: 'message', data: 'hello' })).body.dispatchedCount).toBe(1)
      expect(await arrival).toMatchObject({ event: 'message', data: 'hello' })
    })
  })

  describe('socket stats', () => {
    it('lists connections and forgets them after they disconnect', async () => {
      const room = unique('room')
      const [a, b] = await clients([room, 'ana'], [room, 'bia'])
      const stats = await app.api('/api/socket/sockets/stats')
      expect(stats.status).toBe(200)
      const mine = stats.body.connections.filter((c: any) => c.channel === room)
      expect(mine).toEqual(
        expect.arrayContaining([
          { socketId: a!.info.socketId, channel: room, userId: 'ana', connectedAt: a!.info.connectedAt, channels: [room] },
          { socketId: b!.info.socketId, channel: room, userId: 'bia', connectedAt: b!.info.connectedAt, channels: [room] },
        ]),
      )
      expect(stats.body.totalConnections).toBe(stats.body.connections.length)

      a!.socket.close()
      await waitFor(async () => {
        const after = await app.api(`/api/socket/sockets/stats?channel=${room}`)
        return after.body.totalConnections === 1 && after.body.connections[0].userId === 'bia'
      })
    })

    it('filters by channel and userId and caps the list with limit', async () => {
      const room = unique('room')
      await clients([room, 'x'], [room, 'x'], [room, 'y'])
      const byUser = await app.api(`/api/socket/sockets/stats?channel=${room}&userId=x`)
      expect(byUser.body.totalConnections).toBe(2)
      const limited = await app.api(`/api/socket/sockets/stats?channel=${room}&limit=1`)
      expect(limited.body).toMatchObject({ totalConnections: 3, connections: [expect.objectContaining({ channel: room })] })
      expect(limited.body.connections).toHaveLength(1)
      const bad = await app.api('/api/socket/sockets/stats?limit=0')
      expect(bad.status).toBe(400)
      expect(bad.body.message).toMatch(/limit/)
    })

    it('counts distinct users and sockets in a channel', async () => {
      const room = unique('room')
      const [a] = await clients([room, 'u1'], [room, 'u1'], [room, 'u2'], [unique('other'), 'u3'])
      const stats = await app.api(`/api/socket/sockets/channel/${encodeURIComponent(room)}/stats`)
      expect(stats.body).toEqual({ channel: room, userCount: 2, socketCount: 3 })
      a!.socket.close()
      await waitFor(async () => (await app.api(`/api/socket/sockets/channel/${room}/stats`)).body.socketCount === 2)
      const after = await app.api(`/api/socket/sockets/channel/${room}/stats`)
      expect(after.body).toEqual({ channel: room, userCount: 2, socketCount: 2 })
    })

    it('reports an empty channel as zeros', async () => {
      const stats = await app.api('/api/socket/sockets/channel/nobody-here/stats')
      expect(stats.body).toEqual({ channel: 'nobody-here', userCount: 0, socketCount: 0 })
    })
  })
})
