// The client's many-target, batch and durable dispatches, presence and inboxes, against the real
// service on every store, with real socket connections through the client's realtime helper.
import {
  QspClient,
  QspError,
  connectRealtime,
  type DurableMessage,
  type PresenceJoined,
  type PresenceLeft,
  type Realtime,
  type RealtimeOptions,
} from '@queue-socket-provider/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { InboxMessage } from '../../src/realtime/schemas/inbox.js'
import type { PresenceJoined as ServerJoined, PresenceLeft as ServerLeft } from '../../src/realtime/schemas/presence.js'
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

describe('the durable and presence types', () => {
  it('are the server’s own', () => {
    expectTypeOf<DurableMessage>().toEqualTypeOf<InboxMessage>()
    expectTypeOf<PresenceJoined>().toEqualTypeOf<ServerJoined>()
    expectTypeOf<PresenceLeft>().toEqualTypeOf<ServerLeft>()
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
