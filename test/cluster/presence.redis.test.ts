// Presence and occupancy across instances on one Redis, one of them killed with sockets on it.
// (Redis only: one instance is in test/realtime/presence.test.ts and occupancy.test.ts.)
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { occupancyOf, presenceEvents, unique } from '../helpers/realtime.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { connect, recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

/** What SPEC §9 promises: the members of an instance that dies leave within this. */
const DEAD_INSTANCE_BOUND_MS = 15_000

interface Cluster {
  a: TestApp
  b: TestApp
  backend: Receiver
  env: Record<string, string>
}

async function cluster(debounceMs = 500): Promise<Cluster> {
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  const backend = own(await startReceiver())
  const env = { STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix, SOCKET_WEBHOOK_URL: backend.url('/hooks'), SOCKET_OCCUPANCY_DEBOUNCE_MS: String(debounceMs) }
  return { a: own(await startApp(env)), b: own(await startApp(env)), backend, env }
}

const tab = async (url: string, channel: string, userId: string) => {
  const { socket } = await connect(url, { channel, userId }, { auth: { token: TOKEN, info: { name: userId } } })
  return { socket: own(socket), events: recordEvents(socket) }
}
const membersOn = async (app: TestApp, channel: string) =>
  (await app.api(`/api/socket/channels/${encodeURIComponent(channel)}/presence`)).body.members.map((m: any) => m.userId)

const clusterable = (await storesUnderTest()).includes('redis')

describe.runIf(clusterable)('presence and occupancy across instances', { timeout: 120_000 }, () => {
  it('tells members on one instance who joins and leaves on the other, and lists them on both', async () => {
    const { a, b } = await cluster()
    const room = unique('presence-room')
    const ana = await tab(a.url, room, 'ana')
    const bia = await tab(b.url, room, 'bia')
    await waitFor(() => presenceEvents(ana.events).length === 1, { what: 'bia joined, seen on A' })
    expect(presenceEvents(ana.events)[0]!.payload).toMatchObject({ channel: room, userId: 'bia', info: { name: 'bia' } })
    for (const app of [a, b]) expect(await membersOn(app, room)).toEqual(['ana', 'bia'])
    expect((await bia.socket.emitWithAck('presence', { channel: room })).members.map((m: any) => m.userId)).toEqual(['ana', 'bia'])
    bia.socket.close()
    await waitFor(() => presenceEvents(ana.events).length === 2, { what: 'bia left, seen on A' })
    expect(presenceEvents(ana.events)[1]!.name).toBe('presence.left')
    expect(await membersOn(b, room)).toEqual(['ana'])
  })

  it('sends nothing when a user reconnects through the other instance within the debounce', async () => {
    const { a, b, backend } = await cluster(1500)
    const room = unique('presence-room')
    const ana = await tab(a.url, room, 'ana')
    const bia = await tab(a.url, room, 'bia')
    await waitFor(() => presenceEvents(ana.events).length === 1)
    bia.socket.close()
    await tab(b.url, room, 'bia')
    await sleep(2500)
    expect(presenceEvents(ana.events).map((e) => e.name)).toEqual(['presence.joined'])
    expect(occupancyOf(backend, room).map((e) => e.event)).toEqual(['channel.occupied'])
  })

  it('sends each occupancy change exactly once, whichever instances the sockets come and go on', async () => {
    const { a, b, backend } = await cluster()
    const room = unique('room')
    for (let round = 0; round < 2; round++) {
      const sockets = await Promise.all([a, b, a, b].map(async (app) => (await tab(app.url, room, unique('u'))).socket))
      await waitFor(() => occupancyOf(backend, room).length === round * 2 + 1, { what: 'occupied' })
      for (const socket of sockets) socket.close()
      await waitFor(() => occupancyOf(backend, room).length === round * 2 + 2, { what: 'vacated' })
    }
    await sleep(1500)
    const events = occupancyOf(backend, room)
    expect(events.map((e) => e.event)).toEqual(['channel.occupied', 'channel.vacated', 'channel.occupied', 'channel.vacated'])
    expect(new Set(events.map((e) => e.id)).size).toBe(4)
  })

  it('puts back the members of an instance wrongly declared dead, before anyone is told they left', async () => {
    const { a, b, env } = await cluster(4000)
    const room = unique('presence-room')
    const ana = await tab(a.url, room, 'ana')
    const bia = await tab(b.url, room, 'bia')
    await waitFor(() => presenceEvents(ana.events).length === 1)
    // As if both had stalled past INSTANCE_TTL_MS: each is reaped, finds out at its next beat, and registers again.
    const redis = new Redis(REDIS_URL)
    defer(() => redis.quit())
    const instances = `${env.REDIS_PREFIX}:rt:instances`
    for (const id of await redis.zrange(instances, 0, -1)) await redis.zadd(instances, 'XX', 0, id)
    await waitFor(async () => (await redis.zcount(instances, 1, '+inf')) === 2, { what: 'both instances alive again' })
    await waitFor(async () => (await membersOn(a, room)).length === 2, { what: 'both members back' })
    await sleep(4500)
    expect(presenceEvents(ana.events).map((e) => e.name)).toEqual(['presence.joined'])
    expect(await membersOn(b, room)).toEqual(['ana', 'bia'])
    // Counted once again, not twice: bia's one socket going is bia leaving.
    bia.socket.close()
    await waitFor(() => presenceEvents(ana.events).length === 2, { what: 'bia left' })
  })

  it('takes the members of a killed instance out within the bound, with one vacated per channel it emptied', async () => {
    const { a, backend, env } = await cluster()
    const [room, shared, only] = [unique('presence-room'), unique('shared'), unique('only-there')]
    const doomed = spawn(process.cwd(), serviceEnv(env))
    const doomedUrl = await doomed.listening()
    const watcher = await tab(a.url, room, 'watcher')
    await watcher.socket.emitWithAck('subscribe', { channel: shared })
    for (const userId of ['ana', 'bia']) {
      const { socket } = await tab(doomedUrl, room, userId)
      await socket.emitWithAck('subscribe', { channel: shared })
      await socket.emitWithAck('subscribe', { channel: only })
    }
    await waitFor(() => presenceEvents(watcher.events).length === 2, { what: 'ana and bia joined' })
    await waitFor(() => occupancyOf(backend, only).length === 1, { what: 'the only-there channel occupied' })

    doomed.child.kill('SIGKILL')
    await doomed.exited()
    await waitFor(() => presenceEvents(watcher.events).length === 4, { timeoutMs: DEAD_INSTANCE_BOUND_MS, what: 'ana and bia left' })
    expect(presenceEvents(watcher.events).slice(2).map((e) => [e.name, e.payload.userId]).sort()).toEqual([
      ['presence.left', 'ana'],
      ['presence.left', 'bia'],
    ])
    expect(await membersOn(a, room)).toEqual(['watcher'])
    await waitFor(() => occupancyOf(backend, only).length === 2, { what: 'only-there vacated' })
    await sleep(1500)
    expect(occupancyOf(backend, only).map((e) => e.event)).toEqual(['channel.occupied', 'channel.vacated'])
    // The watcher is still there: these channels never emptied.
    expect(occupancyOf(backend, shared).map((e) => e.event)).toEqual(['channel.occupied'])
    expect(occupancyOf(backend, room).map((e) => e.event)).toEqual(['channel.occupied'])
  })
})
