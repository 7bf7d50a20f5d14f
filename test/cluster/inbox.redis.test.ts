// The durable inbox across instances on one Redis, and what it covers when an instance dies:
// Socket.IO's connection-state recovery cannot bring back a session whose instance was killed.
// (Redis only: one instance is in test/realtime/inbox.test.ts and inbox-crash.test.ts.)
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { inboxClient } from '../helpers/inbox.js'
import { unique } from '../helpers/realtime.js'
import { REDIS_URL, deleteKeys, storesUnderTest, uniquePrefix } from '../helpers/redis.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { recordEvents } from '../helpers/sockets.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

async function cluster(): Promise<{ a: TestApp; b: TestApp; env: Record<string, string> }> {
  const prefix = uniquePrefix()
  defer(() => deleteKeys(prefix))
  const env = { STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix }
  return { a: own(await startApp(env)), b: own(await startApp(env)), env }
}

const durable = (app: { api: TestApp['api'] }, userId: string, data: object) =>
  app.api('/api/socket/dispatch', { body: { userId, event: 'note', data, durable: true } })
const pendingOn = async (app: TestApp, userId: string) => (await app.api(`/api/socket/users/${userId}/inbox`)).body.pending

const clusterable = (await storesUnderTest()).includes('redis')

describe.runIf(clusterable)('the durable inbox across instances', { timeout: 120_000 }, () => {
  it('delivers through the other instance, and an ack there removes the message for the whole cluster', async () => {
    const { a, b } = await cluster()
    const user = unique('user')
    const onB = await inboxClient(b.url, user, { acking: true })
    own(onB.socket)
    const { body } = await durable(a, user, { n: 1 })
    expect(body.dispatchedCount).toBe(1)
    await waitFor(() => onB.received.length === 1)
    expect(onB.received[0]).toMatchObject({ event: 'note', data: { n: 1 }, messageId: body.messageId })
    await waitFor(async () => (await pendingOn(a, user)) === 0, { what: 'the ack seen on A' })
  })

  it('replays in order through the other instance what was not acked on the first', async () => {
    const { a, b } = await cluster()
    const user = unique('user')
    const onA = await inboxClient(a.url, user)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await durable(i % 2 ? a : b, user, { i })).body.messageId)
    await waitFor(() => onA.received.length === 6)
    onA.socket.close()
    const onB = await inboxClient(b.url, user, { acking: true })
    own(onB.socket)
    await waitFor(() => onB.received.length === 6)
    expect(onB.received.map((m) => m.messageId)).toEqual(ids)
    await waitFor(async () => (await pendingOn(a, user)) === 0)
  })

  it('covers a client whose instance is killed: recovery cannot resume its session, the inbox replays what it missed', async () => {
    const { a, env } = await cluster()
    const doomed = spawn(process.cwd(), serviceEnv(env))
    const doomedUrl = await doomed.listening()
    const user = unique('user')
    const channel = unique('live')
    const first = own(io(doomedUrl, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: TOKEN }, query: { channel, userId: user } }))
    await waitFor(() => first.connected)
    // What socket.io-client sends to resume a session: its session id and the last offset seen.
    const session = first as unknown as { _pid: string; _lastOffset: string }
    await a.api('/api/socket/dispatch', { body: { channel, event: 'seen' } })
    await waitFor(() => session._lastOffset !== undefined, { what: 'a first offset' })
    const stored = [(await durable(a, user, { n: 1 })).body.messageId]

    doomed.child.kill('SIGKILL')
    await doomed.exited()
    await a.api('/api/socket/dispatch', { body: { channel, event: 'missed' } })
    stored.push((await durable(a, user, { n: 2 })).body.messageId)

    const resumed = own(io(a.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
      auth: { token: TOKEN, pid: session._pid, offset: session._lastOffset },
      query: { channel, userId: user },
    }))
    const events = recordEvents(resumed)
    resumed.connect()
    await waitFor(() => events.filter((e) => e.payload?.messageId).length === 2, { what: 'both durable messages' })
    await sleep(300)
    // The killed instance never stored the session (Socket.IO writes it when it sees the socket go).
    expect(resumed.recovered).toBe(false)
    expect(events.some((e) => e.name === 'missed')).toBe(false)
    expect(events.filter((e) => e.payload?.messageId).map((e) => e.payload.messageId)).toEqual(stored)
  })
})
