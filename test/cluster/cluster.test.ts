// Two instances on one Redis behave as one service.
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver } from '../helpers/receiver.js'
import { deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { connect, nextEvent, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()

async function cluster(env: Record<string, string> = {}): Promise<[TestApp, TestApp, string]> {
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  const shared = { STORE: 'redis', REDIS_PREFIX: prefix, ...env }
  const a = own(await startApp(shared))
  const b = own(await startApp(shared))
  return [a, b, prefix]
}

const receiver = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))
const socketOn = async (app: TestApp, query: Record<string, string>) => own((await connect(app.url, query)).socket)

const clusterable = (await storesUnderTest()).includes('redis')

describe.runIf(clusterable)('two instances on one Redis', () => {
  it('reads on B a postback queued on A, with the same status, list and stats', async () => {
    const [a, b] = await cluster()
    const target = await receiver()
    const { body } = await a.api('/api/queue/postback', { body: { postbackUrl: target.url(), payload: { x: 1 } } })
    await target.waitForRequests(1)
    const done = await postbackIn(b, body.queueId, ['completed'])
    expect(done).toEqual((await a.api(`/api/queue/postback/${body.queueId}`)).body)
    expect((await b.api('/api/queue/postback')).body.map((p: any) => p.id)).toEqual([body.queueId])
    expect((await b.api('/api/queue/stats')).body.counts.completed).toBe(1)
  })

  it('delivers each postback once, whichever instance takes it', async () => {
    const [a, b] = await cluster({ POSTBACK_CONCURRENCY: '4' })
    const target = await receiver(() => ({ status: 200, delayMs: 20 }))
    const ids: string[] = []
    for (let i = 0; i < 40; i++) {
      const via = i % 2 ? a : b
      ids.push((await via.api('/api/queue/postback', { body: { postbackUrl: target.url(), payload: { i } } })).body.queueId)
    }
    await target.waitForRequests(40)
    await sleep(300)
    const delivered = target.requests.map((r) => String(r.headers['webhook-id']))
    expect(delivered.sort()).toEqual([...ids].sort())
  })

  it('reaches a socket on B with a dispatch made on A, counting sockets on both', async () => {
    const [a, b] = await cluster()
    const onA = await socketOn(a, { channel: 'room', userId: 'ana' })
    const onB = await socketOn(b, { channel: 'room', userId: 'bia' })
    const elsewhere = recordEvents(await socketOn(b, { channel: 'other', userId: 'ana' }))
    const arrivals = [nextEvent(onA, 'news'), nextEvent(onB, 'news')]
    const response = await a.api('/api/socket/dispatch', { body: { channel: 'room', event: 'news', data: { n: 1 } } })
    expect(response.body.dispatchedCount).toBe(2)
    for (const message of await Promise.all(arrivals)) expect(message).toMatchObject({ event: 'news', data: { n: 1 } })

    const toUser = nextEvent(onA, 'dm')
    const userDispatch = await b.api('/api/socket/dispatch', { body: { userId: 'ana', event: 'dm', data: 'hi' } })
    expect(userDispatch.body.dispatchedCount).toBe(2)
    await toUser
    await waitFor(() => elsewhere.some((e) => e.name === 'dm'))

    const pair = await b.api('/api/socket/dispatch', { body: { channel: 'room', userId: 'ana', event: 'only-ana' } })
    expect(pair.body.dispatchedCount).toBe(1)
  })

  it('lists and counts the connections of the whole cluster on either instance', async () => {
    const [a, b] = await cluster()
    await socketOn(a, { channel: 'lobby', userId: 'u1' })
    await socketOn(b, { channel: 'lobby', userId: 'u1' })
    await socketOn(b, { channel: 'lobby', userId: 'u2' })
    for (const app of [a, b]) {
      const stats = (await app.api('/api/socket/sockets/stats')).body
      expect(stats.totalConnections).toBe(3)
      expect(stats.connections.map((c: any) => c.userId).sort()).toEqual(['u1', 'u1', 'u2'])
      const channel = (await app.api('/api/socket/sockets/channel/lobby/stats')).body
      expect(channel).toEqual({ channel: 'lobby', userCount: 2, socketCount: 3 })
    }
  })

  it('recovers on B the missed events of a client whose connection to A dropped', async () => {
    const [a, b] = await cluster()
    const first = await socketOn(a, { channel: 'live', userId: 'ana' })
    // What socket.io-client sends to resume a session: its session id and the last offset seen.
    const session = first as unknown as { _pid: string; _lastOffset: string }
    expect(session._pid).toBeTruthy()
    await a.api('/api/socket/dispatch', { body: { channel: 'live', event: 'seen' } })
    await waitFor(() => session._lastOffset !== undefined, { what: 'a first offset' })
    const firstId = first.id
    first.io.engine.close()
    await waitFor(async () => (await a.api('/api/socket/sockets/channel/live/stats')).body.socketCount === 0)
    await a.api('/api/socket/dispatch', { body: { channel: 'live', event: 'missed', data: { n: 1 } } })

    const resumed = io(b.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: TOKEN, pid: session._pid, offset: session._lastOffset },
    })
    own(resumed)
    // Missed events are replayed right after the handshake, so the recording starts before it.
    const events = recordEvents(resumed)
    await waitFor(() => events.some((e) => e.name === 'missed'), { what: 'the missed event on B' })
    expect(events.find((e) => e.name === 'missed')!.payload).toMatchObject({ data: { n: 1 } })
    expect(resumed.id).toBe(firstId)
  })
})
