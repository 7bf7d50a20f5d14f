// qsp token, dispatch and tail, spawned as a user runs them, against the real service.
import { QspClient, connectRealtime, type Realtime } from '@queue-socket-provider/client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { qsp, serviceEnv, startQsp } from './qsp-process.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, env: serviceEnv(app.url, TOKEN) }
}

const connect = async (url: string, token: string, channel?: string): Promise<Realtime> =>
  own(await connectRealtime({ url, token, ...(channel ? { channel } : {}), socket: { reconnection: false } }))

/** Queues a postback that announces its end on `channel`. */
const queueNotifying = async (app: TestApp, url: string, notify: Record<string, string> = {}) =>
  (await app.api('/api/queue/postback', { body: { postbackUrl: url, payload: {}, ...(Object.keys(notify).length ? { notify } : {}) } })).body.queueId as string

describe('qsp token and dispatch', () => {
  it('mints a client token that connects as its user, only to its channels', async () => {
    const { app, env } = await service()
    const minted = await qsp(['token', '--user', 'user-1', '--channel', 'team-7', '--channel', 'team-8', '--expires-in', '60'], env)
    expect(minted).toMatchObject({ code: 0, stderr: '' })
    const token = minted.stdout.trim()
    const realtime = await connect(app.url, token, 'team-8')
    expect(realtime.info).toMatchObject({ userId: 'user-1', channel: 'team-8' })
    expect(await realtime.subscribe('team-9')).toMatchObject({ ok: false, error: 'FORBIDDEN' })
    const json = JSON.parse((await qsp(['token', '--user', 'user-2', '--json'], env)).stdout)
    expect(json).toEqual({ token: expect.any(String), expiresAt: expect.any(String) })
  })

  it.each(stores)('dispatches to the sockets of a channel and a user, counting acks (%s store)', async (store) => {
    const { app, env } = await service({ STORE: store })
    const realtime = await connect(app.url, TOKEN, 'team-7')
    const received: unknown[] = []
    realtime.onEvent('hello', (message, ack) => {
      received.push(message.data)
      ack?.()
    })
    const dispatched = await qsp(['dispatch', '--channel', 'team-7', '--event', 'hello', '--data', '{"n":1}', '--ack', '--ack-timeout', '5000'], env)
    expect(dispatched).toEqual({ code: 0, stdout: 'dispatched to 1 socket(s), 1 acknowledged\n', stderr: '' })
    expect(received).toEqual([{ n: 1 }])
    const byUser = await qsp(['dispatch', '--user', realtime.info!.userId, '--event', 'hello', '--data', '"plain"', '--json'], env)
    expect(JSON.parse(byUser.stdout)).toMatchObject({ success: true, dispatchedCount: 1 })
    await waitFor(() => received.length === 2, { what: 'the second event' })
    expect(received[1]).toBe('plain')
  })

  it('queues the event as a postback when nobody receives it and a fallback URL is given', async () => {
    const receiver = own(await startReceiver())
    const { env } = await service()
    const dispatched = await qsp(['dispatch', '--user', 'nobody', '--event', 'invoice.ready', '--fallback-url', receiver.url('/push')], env)
    expect(dispatched.stdout).toMatch(/^dispatched to 0 socket\(s\); queued as postback \S+\n$/)
    const [request] = await receiver.waitForRequests(1)
    expect(JSON.parse(request!.body)).toMatchObject({ event: 'invoice.ready', userId: 'nobody' })
  })
})

describe.each(stores)('qsp tail on the %s store', (store) => {
  it('prints each postback that ends on the channel it follows, one line each, until Ctrl-C', async () => {
    const receiver = own(await startReceiver((request) => ({ status: request.path === '/bad' ? 500 : 200 })))
    const { app, env } = await service({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' })
    const tail = own(startQsp(['tail', '--channel', 'deliveries'], env))
    await tail.waitForOutput(/^following deliveries on /, 'stderr')

    const good = await queueNotifying(app, receiver.url('/good'), { channel: 'deliveries' })
    await tail.waitForOutput(new RegExp(`postback\\.completed {2}${good} completed 200 POST http://127\\.0\\.0\\.1:\\d+/good\\n`))
    const bad = await queueNotifying(app, receiver.url('/bad'), { channel: 'deliveries' })
    await tail.waitForOutput(new RegExp(`postback\\.failed {2}${bad} failed 500 .*POST http://127\\.0\\.0\\.1:\\d+/bad\\n`))
    expect(tail.stdout.trim().split('\n')).toHaveLength(2)
    expect(await tail.stop('SIGINT')).toMatchObject({ code: 0 })
  })
})

describe('qsp tail', () => {
  it('prints each event as one JSON line with --json', async () => {
    const { app, env } = await service()
    const tail = own(startQsp(['tail', '--channel', 'ops-like', '--json'], env))
    await tail.waitForOutput(/^following ops-like /, 'stderr')
    await app.api('/api/socket/dispatch', { body: { channel: 'ops-like', event: 'destination.paused', data: { destination: 'https://a.example:443' } } })
    await tail.waitForOutput(/\n/)
    expect(JSON.parse(tail.stdout)).toMatchObject({ name: 'destination.paused', message: { data: { destination: 'https://a.example:443' } } })
    expect(await tail.stop('SIGTERM')).toMatchObject({ code: 0 })
  })

  it('connects again and follows on after the service closes its connection', async () => {
    const { app, env } = await service()
    const tail = own(startQsp(['tail', '--channel', 'deliveries'], env))
    await tail.waitForOutput(/^following deliveries on /, 'stderr')
    const forced = await app.api('/api/socket/disconnect', { body: { channel: 'deliveries' } })
    expect(forced.body).toMatchObject({ disconnectedCount: 1 })
    await tail.waitForOutput(/disconnected \(io server disconnect\), reconnecting…\n/, 'stderr')
    // Back once the channel has a socket again: the new connection subscribed anew.
    await waitFor(async () => (await app.api('/api/socket/sockets/channel/deliveries/stats')).body.socketCount === 1, {
      what: 'qsp tail to follow deliveries again',
    })
    await app.api('/api/socket/dispatch', { body: { channel: 'deliveries', event: 'postback.completed', data: { id: 'p-1', status: 'completed' } } })
    await tail.waitForOutput(/postback\.completed {2}p-1 completed\n/)
    expect(await tail.stop('SIGINT')).toMatchObject({ code: 0 })
  })

  it('exits 1 with one line when the service refuses the token', async () => {
    const { app } = await service()
    expect(await qsp(['tail'], serviceEnv(app.url, 'wrong-token'))).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^qsp: connection refused, UNAUTHORIZED: .*\n$/),
    })
  })

  it('follows $ops by default: every postback that ends, without notify, and destination events', async () => {
    const receiver = own(await startReceiver())
    const { app, env } = await service()
    const client = new QspClient({ url: app.url, token: TOKEN })
    const tail = own(startQsp(['tail'], env))
    await tail.waitForOutput(/^following \$ops on /, 'stderr')
    // The service looks up every few seconds whether anyone follows $ops: queue until it does.
    const queued: string[] = []
    const printed = await waitFor(
      async () => {
        queued.push((await client.queue({ postbackUrl: receiver.url('/quiet'), payload: {} })).queueId)
        await sleep(200)
        return queued.find((id) => tail.stdout.includes(`postback.completed  ${id} completed 200 POST `))
      },
      { timeoutMs: 20_000, what: 'qsp tail to print a postback that completed' },
    )
    expect(printed).toBeDefined()
    await client.pauseDestination(`http://127.0.0.1:${receiver.port}`)
    await tail.waitForOutput(new RegExp(`destination\\.paused {2}http://127\\.0\\.0\\.1:${receiver.port} `))
    expect(await tail.stop('SIGINT')).toMatchObject({ code: 0 })
  })
})
