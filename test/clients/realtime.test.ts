// The client's realtime connection and its realtime calls (many targets, batches, durable
// dispatch, presence, inboxes) against the real service, and its event types against the
// server's own (checked by tsc, so they cannot drift apart).
import {
  QspClient,
  QspConnectionError,
  QspError,
  QspRefusedError,
  connectRealtime,
  type ClientToServerEvents,
  type DispatchedMessage,
  type DurableMessage,
  type PresenceJoined,
  type PresenceLeft,
  type Realtime,
  type RealtimeOptions,
  type ServerToClientEvents,
} from '@queue-socket-provider/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as server from '../../src/realtime/events.js'
import type { InboxMessage } from '../../src/realtime/schemas/inbox.js'
import type * as presence from '../../src/realtime/schemas/presence.js'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, qsp: new QspClient({ url: app.url, token: TOKEN }) }
}

const connect = async (options: RealtimeOptions, listen?: (realtime: Realtime) => void) =>
  own(await connectRealtime({ socket: { reconnection: false }, ...options }, listen))

/** Every `event` a connection receives, by data. */
function recorder(realtime: Realtime, event: string): unknown[] {
  const seen: unknown[] = []
  realtime.onEvent(event, (message) => seen.push(message.data))
  return seen
}

describe('the realtime event types', () => {
  it('are the server’s own, in both directions', () => {
    expectTypeOf<ServerToClientEvents>().toEqualTypeOf<server.ServerToClientEvents>()
    expectTypeOf<ClientToServerEvents>().toEqualTypeOf<server.ClientToServerEvents>()
    expectTypeOf<DispatchedMessage>().toEqualTypeOf<server.DispatchedMessage>()
    expectTypeOf<DurableMessage>().toEqualTypeOf<InboxMessage>()
    expectTypeOf<PresenceJoined>().toEqualTypeOf<presence.PresenceJoined>()
    expectTypeOf<PresenceLeft>().toEqualTypeOf<presence.PresenceLeft>()
  })
})

describe.each(stores)('the realtime connection on the %s store', (store) => {
  it('connects with a client token and receives a dispatched event, typed, with its ack', async () => {
    const { app, qsp } = await service({ STORE: store })
    const { token } = await qsp.clientToken({ userId: 'user-1', channels: ['team-7'] })
    const realtime = await connect({ url: app.url, token, channel: 'team-7' })
    expect(realtime.info).toMatchObject({ channel: 'team-7', userId: 'user-1', channels: ['team-7'] })

    const received: DispatchedMessage<{ orderId: number }>[] = []
    const acks: unknown[] = []
    realtime.onEvent<{ orderId: number }>('order.paid', (message, ack) => {
      received.push(message)
      acks.push(ack)
      ack?.()
    })
    const answer = await qsp.dispatch({ userId: 'user-1', event: 'order.paid', data: { orderId: 7 }, ack: true, ackTimeoutMs: 5000 })
    expect(answer).toMatchObject({ dispatchedCount: 1, ackedCount: 1 })
    expect(received).toEqual([{ event: 'order.paid', data: { orderId: 7 }, timestamp: expect.any(String) }])
    // Without ack the listener gets none (the recovery offset that follows the message is not one).
    await qsp.dispatch({ userId: 'user-1', event: 'order.paid', data: { orderId: 8 } })
    await waitFor(() => received.length === 2, { what: 'the second event' })
    expect(received[1]!.data).toEqual({ orderId: 8 })
    expect(acks.map((ack) => typeof ack)).toEqual(['function', 'undefined'])
  })

  it('subscribes and unsubscribes with acks, within the token’s scope', async () => {
    const { app, qsp } = await service({ STORE: store })
    const { token } = await qsp.clientToken({ userId: 'user-1', channels: ['a', 'b'] })
    const realtime = await connect({ url: app.url, token, channel: 'a' })
    expect(await realtime.subscribe('b')).toEqual({ ok: true, channel: 'b' })
    expect(await qsp.channelStats('b')).toMatchObject({ socketCount: 1 })
    expect(await realtime.subscribe('c')).toMatchObject({ ok: false, error: 'FORBIDDEN' })
    expect(await realtime.unsubscribe('b')).toEqual({ ok: true, channel: 'b' })
    await waitFor(async () => (await qsp.channelStats('b')).socketCount === 0, { what: 'the socket to leave b' })
  })
})

describe('the realtime connection', () => {
  it('answers ping, echoes a message and relays it to the channel', async () => {
    const { app } = await service()
    const sender = await connect({ url: app.url, token: TOKEN, channel: 'room', userId: 'alice' })
    const listener = await connect({ url: app.url, token: TOKEN, channel: 'room', userId: 'bob' })
    expect(Date.parse((await sender.ping()).timestamp)).toBeGreaterThan(0)

    const echoed = new Promise((resolve) => sender.socket.once('message-received', resolve))
    const relayed = new Promise((resolve) => listener.socket.once('message', resolve))
    sender.send('chat', { text: 'hi' })
    expect(await echoed).toMatchObject({ originalMessage: { event: 'chat', data: { text: 'hi' } } })
    expect(await relayed).toMatchObject({ event: 'chat', data: { text: 'hi' }, from: { userId: 'alice', socketId: sender.info?.socketId } })
  })

  it('stops calling a listener once its returned function is called', async () => {
    const { app, qsp } = await service()
    const realtime = await connect({ url: app.url, token: TOKEN, channel: 'room' })
    const seen: unknown[] = []
    const stop = realtime.onEvent('tick', (message) => seen.push(message.data))
    await qsp.dispatch({ channel: 'room', event: 'tick', data: 1 })
    await waitFor(() => seen.length === 1, { what: 'the first tick' })
    stop()
    await qsp.dispatch({ channel: 'room', event: 'tick', data: 2 })
    // A ping after the dispatch comes back after the event would have arrived.
    await realtime.ping()
    await sleep(50)
    expect(seen).toEqual([1])
  })

  it('rejects a refused connection with QspRefusedError and an unreachable service with QspConnectionError', async () => {
    const { app } = await service()
    const refused = await connectRealtime({ url: app.url, token: 'wrong-token' }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(QspRefusedError)
    expect(refused).toMatchObject({ error: 'UNAUTHORIZED' })

    const { url } = app
    await app.close()
    const unreachable = await connectRealtime({ url, token: TOKEN, socket: { transports: ['websocket'] } }).catch((error: unknown) => error)
    expect(unreachable).toBeInstanceOf(QspConnectionError)
  })
})

describe.each(stores)('the client’s realtime calls on the %s store', (store) => {
  it('dispatches to many channels and users, leaves one socket out, and answers a batch in order', async () => {
    const { app, qsp } = await service({ STORE: store })
    const a = await connect({ url: app.url, token: TOKEN, channel: 'team-1', userId: 'ana' })
    const b = await connect({ url: app.url, token: TOKEN, channel: 'team-2', userId: 'bia' })
    const c = await connect({ url: app.url, token: TOKEN, channel: 'team-2', userId: 'cid' })
    const [seenA, seenB, seenC] = [recorder(a, 'news'), recorder(b, 'news'), recorder(c, 'news')]

    const toChannels = await qsp.dispatch({ channels: ['team-1', 'team-2'], event: 'news', data: 1, exceptSocketId: c.info!.socketId })
    expect(toChannels.dispatchedCount).toBe(2)
    expect((await qsp.dispatch({ userIds: ['ana', 'cid', 'nobody'], event: 'news', data: 2 })).dispatchedCount).toBe(2)
    const results = await qsp.dispatchBatch([
      { channel: 'team-1', event: 'news', data: 3 },
      { channel: 'team-1', channels: ['team-2'], event: 'news' },
      { userId: 'bia', event: 'news', data: 4 },
    ])
    expect(results).toEqual([
      { dispatchedCount: 1 },
      { error: 'VALIDATION_ERROR', message: expect.any(String) },
      { dispatchedCount: 1 },
    ])
    await waitFor(() => seenA.length === 3 && seenB.length === 2 && seenC.length === 1, { what: 'every event' })
    await c.ping()
    await sleep(50)
    expect([seenA, seenB, seenC]).toEqual([[1, 2, 3], [1, 4], [2]])
  })

  it('stores a durable dispatch for an offline user, lists it, and the helper’s ack removes it', async () => {
    const { app, qsp } = await service({ STORE: store })
    const first = await qsp.dispatchDurable({ userId: 'eve', event: 'invoice.ready', data: { id: 7 }, ttlSeconds: 3600 })
    expect(first).toMatchObject({ success: true, dispatchedCount: 0, messageId: expect.any(String) })
    const second = await qsp.dispatchDurable({ userIds: ['eve', 'fay'], event: 'invoice.ready', data: { id: 8 } })
    expect(await qsp.inbox('eve')).toEqual({ userId: 'eve', pending: 2, oldestAt: expect.any(String) })
    expect(await qsp.inboxes()).toEqual([await qsp.inbox('eve'), await qsp.inbox('fay')])
    expect(await qsp.inboxes({ limit: 1 })).toHaveLength(1)

    // A connection that does not ack leaves both pending; the next one acks and empties the inbox.
    const unacked: DurableMessage[] = []
    const quiet = await connect({ url: app.url, token: TOKEN, userId: 'eve' }, (realtime) =>
      realtime.onDurable('invoice.ready', (message) => unacked.push(message)),
    )
    await waitFor(() => unacked.length === 2, { what: 'the replay' })
    expect(unacked).toEqual([
      { event: 'invoice.ready', data: { id: 7 }, timestamp: expect.any(String), messageId: first.messageId },
      { event: 'invoice.ready', data: { id: 8 }, timestamp: expect.any(String), messageId: second.messageId },
    ])
    quiet.close()
    expect((await qsp.inbox('eve')).pending).toBe(2)

    const acked: string[] = []
    await connect({ url: app.url, token: TOKEN, userId: 'eve' }, (realtime) =>
      realtime.onDurable<{ id: number }>('invoice.ready', (message, ack) => {
        acked.push(message.messageId)
        ack()
      }),
    )
    await waitFor(async () => (await qsp.inbox('eve')).pending === 0, { what: 'the acks recorded' })
    expect(acked).toEqual([first.messageId, second.messageId])
    expect(await qsp.clearInbox('fay')).toBe(1)
    expect(await qsp.inboxes()).toEqual([])
  })

  it('shows presence from the API and the socket, with info from a client token and from auth.info, and joined and left events', async () => {
    const { app, qsp } = await service({ STORE: store, SOCKET_OCCUPANCY_DEBOUNCE_MS: '100' })
    const { token } = await qsp.clientToken({ userId: 'ana', channels: ['presence-team'], info: { name: 'Ana' } })
    const ana = await connect({ url: app.url, token, channel: 'presence-team' })
    const joined: PresenceJoined[] = []
    const left: PresenceLeft[] = []
    ana.onPresence({ joined: (event) => joined.push(event), left: (event) => left.push(event) })
    const bia = await connect({ url: app.url, token: TOKEN, channel: 'presence-team', userId: 'bia', info: { name: 'Bia' } })
    await waitFor(() => joined.length === 1, { what: 'presence.joined' })
    expect(joined[0]).toEqual({ channel: 'presence-team', userId: 'bia', info: { name: 'Bia' }, timestamp: expect.any(String) })

    const members = [
      { userId: 'ana', info: { name: 'Ana' }, since: expect.any(String) },
      { userId: 'bia', info: { name: 'Bia' }, since: expect.any(String) },
    ]
    expect(await qsp.presence('presence-team')).toEqual({ channel: 'presence-team', count: 2, members })
    expect(await qsp.presence('presence-team', { limit: 1 })).toMatchObject({ count: 2, members: [members[0]] })
    expect(await ana.presence('presence-team')).toEqual({ ok: true, channel: 'presence-team', members })
    expect(await ana.presence('presence-elsewhere')).toMatchObject({ ok: false, error: 'FORBIDDEN' })
    const refused = await qsp.presence('team').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(QspError)
    expect(refused).toMatchObject({ status: 400 })

    bia.close()
    await waitFor(() => left.length === 1, { what: 'presence.left' })
    expect(left[0]).toEqual({ channel: 'presence-team', userId: 'bia', timestamp: expect.any(String) })
  })
})
