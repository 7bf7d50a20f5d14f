// The client's realtime connection against the real service, and its event types against the
// server's own event maps (checked by tsc, so they cannot drift apart).
import {
  QspClient,
  QspConnectionError,
  QspRefusedError,
  connectRealtime,
  type ClientToServerEvents,
  type DispatchedMessage,
  type RealtimeOptions,
  type ServerToClientEvents,
} from '@queue-socket-provider/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as server from '../../src/realtime/events.js'
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

const connect = async (options: RealtimeOptions) => own(await connectRealtime({ socket: { reconnection: false }, ...options }))

describe('the realtime event types', () => {
  it('are the server’s own, in both directions', () => {
    expectTypeOf<ServerToClientEvents>().toEqualTypeOf<server.ServerToClientEvents>()
    expectTypeOf<ClientToServerEvents>().toEqualTypeOf<server.ClientToServerEvents>()
    expectTypeOf<DispatchedMessage>().toEqualTypeOf<server.DispatchedMessage>()
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
