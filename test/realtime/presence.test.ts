// Presence channels on one instance (SPEC §9); test/cluster/presence-cluster.test.ts runs them
// across instances.
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, connectError, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { unique, presenceEvents } from '../helpers/realtime.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()


describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) =>
    own(await startApp({ STORE: store, SOCKET_OCCUPANCY_DEBOUNCE_MS: '300', ...env }))
  /** A tab of `userId` in `channel`, with the API token and auth.info. */
  const tab = async (app: TestApp, channel: string, userId: string, info?: object) => {
    const { socket } = await connect(app.url, { channel, userId }, { auth: { token: TOKEN, ...(info ? { info } : {}) } })
    return { socket: own(socket), events: recordEvents(socket) }
  }
  const members = async (app: TestApp, channel: string, query = '') =>
    (await app.api(`/api/socket/channels/${encodeURIComponent(channel)}/presence${query}`)).body

  it('tells the other members when a user arrives and, after the debounce, when their last tab is gone', async () => {
    const app = await start()
    const room = unique('presence-room')
    const ana = await tab(app, room, 'ana', { name: 'Ana' })
    const biaFirst = await tab(app, room, 'bia', { name: 'Bia' })
    await waitFor(() => presenceEvents(ana.events).length === 1, { what: 'bia joined' })
    expect(presenceEvents(ana.events)[0]!.payload).toEqual({ channel: room, userId: 'bia', info: { name: 'Bia' }, timestamp: expect.any(String) })

    const biaSecond = await tab(app, room, 'bia', { name: 'Bia' })
    biaFirst.socket.close()
    // A second tab joins nobody new, and closing one of two leaves nobody.
    await sleep(600)
    expect(presenceEvents(ana.events)).toHaveLength(1)
    biaSecond.socket.close()
    const left = await waitFor(() => presenceEvents(ana.events)[1], { what: 'bia left' })
    expect(left).toEqual({ name: 'presence.left', payload: { channel: room, userId: 'bia', timestamp: expect.any(String) } })
    // Nobody is told about themselves.
    expect(presenceEvents(biaFirst.events)).toEqual([])
    expect(presenceEvents(biaSecond.events)).toEqual([])
  })

  it('lists the members from a member’s socket and from the API, longest present first', async () => {
    const app = await start()
    const room = unique('presence-room')
    const ana = await tab(app, room, 'ana', { name: 'Ana' })
    await tab(app, room, 'bia')
    await tab(app, room, 'bia')
    const listed = [
      { userId: 'ana', info: { name: 'Ana' }, since: expect.any(String) },
      { userId: 'bia', info: null, since: expect.any(String) },
    ]
    const fromSocket = await ana.socket.emitWithAck('presence', { channel: room })
    expect(fromSocket).toEqual({ ok: true, channel: room, members: listed })
    expect(Date.parse(fromSocket.members[0].since)).toBeLessThanOrEqual(Date.parse(fromSocket.members[1].since))
    expect(await members(app, room)).toEqual({ channel: room, count: 2, members: listed })
    expect(await members(app, room, '?limit=1')).toEqual({ channel: room, count: 2, members: [listed[0]] })
    expect(await members(app, unique('presence-empty'))).toMatchObject({ count: 0, members: [] })
  })

  it('answers 400 for a channel that is not a presence channel, and for a bad limit', async () => {
    const app = await start()
    const response = await app.api('/api/socket/channels/lobby/presence')
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ error: 'VALIDATION_ERROR', message: 'channel "lobby" is not a presence channel: its name must start with presence-' })
    expect((await app.api('/api/socket/channels/presence-x/presence?limit=0')).status).toBe(400)
  })

  it('refuses the presence request of a non-member and for a channel without the prefix', async () => {
    const app = await start()
    const room = unique('presence-room')
    await tab(app, room, 'ana')
    const outsider = await tab(app, unique('elsewhere'), 'cid')
    expect(await outsider.socket.emitWithAck('presence', { channel: room })).toEqual({
      ok: false,
      error: 'FORBIDDEN',
      message: `only members of "${room}" may ask who is in it`,
    })
    expect(await outsider.socket.emitWithAck('presence', { channel: 'lobby' })).toMatchObject({ ok: false, error: 'VALIDATION_ERROR' })
    expect(await outsider.socket.emitWithAck('presence', { nope: 1 })).toMatchObject({ ok: false, error: 'VALIDATION_ERROR' })
  })

  it('makes subscribe join and unsubscribe leave a presence channel', async () => {
    const app = await start()
    const room = unique('presence-room')
    const ana = await tab(app, room, 'ana')
    const bia = await tab(app, unique('home'), 'bia')
    expect(await bia.socket.emitWithAck('subscribe', { channel: room })).toEqual({ ok: true, channel: room })
    // The ack comes once bia is a member.
    expect((await bia.socket.emitWithAck('presence', { channel: room })).members.map((m: any) => m.userId)).toEqual(['ana', 'bia'])
    await waitFor(() => presenceEvents(ana.events).some((e) => e.name === 'presence.joined'))
    await bia.socket.emitWithAck('unsubscribe', { channel: room })
    await waitFor(() => presenceEvents(ana.events).some((e) => e.name === 'presence.left'), { what: 'bia left' })
    expect((await members(app, room)).members.map((m: any) => m.userId)).toEqual(['ana'])
  })

  it('sends neither left nor joined when a user reconnects within the debounce', async () => {
    const app = await start({ SOCKET_OCCUPANCY_DEBOUNCE_MS: '1500' })
    const room = unique('presence-room')
    const ana = await tab(app, room, 'ana')
    const bia = await tab(app, room, 'bia')
    await waitFor(() => presenceEvents(ana.events).length === 1)
    const since = (await members(app, room)).members[1].since
    bia.socket.close()
    await tab(app, room, 'bia')
    await sleep(2000)
    expect(presenceEvents(ana.events).map((e) => e.name)).toEqual(['presence.joined'])
    expect((await members(app, room)).members[1]).toMatchObject({ userId: 'bia', since })
  })

  it('sends no presence events in a channel without the prefix', async () => {
    const app = await start()
    const room = unique('lobby')
    const ana = await tab(app, room, 'ana')
    ;(await tab(app, room, 'bia')).socket.close()
    await sleep(600)
    expect(presenceEvents(ana.events)).toEqual([])
  })

  describe('info', () => {
    it('comes from the client token, and auth.info is ignored for client tokens', async () => {
      const app = await start()
      const room = unique('presence-room')
      const minted = await app.api('/api/socket/token', { body: { userId: 'ana', channels: [room], info: { name: 'Ana', team: 7 } } })
      expect(minted.status).toBe(200)
      const { socket } = await connect(app.url, {}, { auth: { token: minted.body.token, info: { name: 'Impostor' } } })
      own(socket)
      expect((await members(app, room)).members).toEqual([{ userId: 'ana', info: { name: 'Ana', team: 7 }, since: expect.any(String) }])
    })

    it('is refused above 1024 bytes of JSON, from the token route and from auth.info', async () => {
      const app = await start()
      const big = { text: 'x'.repeat(1020) }
      const minted = await app.api('/api/socket/token', { body: { userId: 'ana', info: big } })
      expect(minted.status).toBe(400)
      expect(minted.body).toEqual({ error: 'VALIDATION_ERROR', message: 'body/info must be at most 1024 bytes of JSON' })
      expect((await app.api('/api/socket/token', { body: { userId: 'ana', info: [1] } })).status).toBe(400)
      const refused = await connectError(app.url, { channel: 'presence-x' }, { auth: { token: TOKEN, info: big } })
      expect(refused.data).toEqual({ error: 'VALIDATION_ERROR', message: 'auth.info must be at most 1024 bytes of JSON' })
      const notObject = await connectError(app.url, {}, { auth: { token: TOKEN, info: 'Ana' } })
      expect(notObject.data).toEqual({ error: 'VALIDATION_ERROR', message: 'auth.info must be a JSON object' })
      // 1024 bytes exactly is accepted: {"text":"…"} is 11 bytes around the text.
      const exact = { text: 'é'.repeat(506) + 'x'.repeat(1) }
      expect(Buffer.byteLength(JSON.stringify(exact))).toBe(1024)
      expect((await app.api('/api/socket/token', { body: { userId: 'ana', info: exact } })).status).toBe(200)
    })
  })
})
