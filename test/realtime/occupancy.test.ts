// Occupancy webhooks on one instance (SPEC §9); test/cluster/occupancy-cluster.test.ts counts them
// across instances, one of them killed.
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { occupancyOf, unique } from '../helpers/realtime.js'
import { storesUnderTest } from '../helpers/redis.js'
import { newLocation } from '../stores/drivers.js'
import { connect } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  async function start(debounceMs = 300): Promise<{ app: TestApp; backend: Receiver }> {
    const backend = own(await startReceiver())
    const app = own(await startApp({ STORE: store, SOCKET_WEBHOOK_URL: backend.url('/hooks'), SOCKET_OCCUPANCY_DEBOUNCE_MS: String(debounceMs) }))
    return { app, backend }
  }
  const socketIn = async (app: TestApp, channel: string) => own((await connect(app.url, { channel })).socket)

  it('sends channel.occupied for the first socket and channel.vacated once the channel stays empty, keyed by channel', async () => {
    const { app, backend } = await start()
    const room = unique('room')
    const first = await socketIn(app, room)
    const second = await socketIn(app, room)
    await waitFor(() => occupancyOf(backend, room).length === 1, { what: 'occupied' })
    first.close()
    second.close()
    await waitFor(() => occupancyOf(backend, room).length === 2, { what: 'vacated' })
    await sleep(600)
    const events = occupancyOf(backend, room)
    expect(events.map((e) => e.event)).toEqual(['channel.occupied', 'channel.vacated'])
    expect(events[0]).toEqual({ event: 'channel.occupied', timestamp: expect.any(String), channel: room, id: expect.any(String) })
    for (const { id } of events) {
      expect((await app.api(`/api/queue/postback/${id}`)).body.orderingKey).toBe(`channel:${room}`)
    }
  })

  it('sends nothing for a channel that empties and fills again within SOCKET_OCCUPANCY_DEBOUNCE_MS', async () => {
    const { app, backend } = await start(1500)
    const room = unique('room')
    ;(await socketIn(app, room)).close()
    await socketIn(app, room)
    await sleep(2000)
    expect(occupancyOf(backend, room).map((e) => e.event)).toEqual(['channel.occupied'])
  })

  it('counts subscriptions: a channel is occupied by subscribers too', async () => {
    const { app, backend } = await start()
    const news = unique('news')
    const socket = await socketIn(app, unique('home'))
    await socket.emitWithAck('subscribe', { channel: news })
    await waitFor(() => occupancyOf(backend, news).length === 1)
    await socket.emitWithAck('unsubscribe', { channel: news })
    await waitFor(() => occupancyOf(backend, news).length === 2)
    expect(occupancyOf(backend, news).map((e) => e.event)).toEqual(['channel.occupied', 'channel.vacated'])
  })

  it('announces after a restart that a channel emptied when the service stopped', async () => {
    const backend = own(await startReceiver())
    const location = await newLocation(store)
    defer(() => location.remove())
    const env = { ...location.env, SOCKET_WEBHOOK_URL: backend.url('/hooks'), SOCKET_OCCUPANCY_DEBOUNCE_MS: '500' }
    const room = unique('room')
    const first = await startApp(env)
    await socketIn(first, room)
    await waitFor(() => occupancyOf(backend, room).length === 1)
    await first.close()
    own(await startApp(env))
    await waitFor(() => occupancyOf(backend, room).length === 2, { what: 'vacated' })
    expect(occupancyOf(backend, room).map((e) => e.event)).toEqual(['channel.occupied', 'channel.vacated'])
  })
})
