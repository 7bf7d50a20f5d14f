// The `$ops` channel (SPEC §7): API-token sockets may subscribe and get every postback's end and
// destination change; client tokens may not, even when they list it.
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { startReceiver } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, connectError, recordEvents } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

describe.each(stores)('%s store', (store) => {
  const start = async () => own(await startApp({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' }))
  const mint = async (app: TestApp, body: object) => (await app.api('/api/socket/token', { body })).body.token as string

  it('lets an API-token socket subscribe and receive postback ends and destination changes', async () => {
    const app = await start()
    const ok = own(await startReceiver())
    const failing = own(await startReceiver(() => ({ status: 500 })))
    const { socket } = await connect(app.url, { channel: 'backend' }, { auth: { token: TOKEN } })
    own(socket)
    const events = recordEvents(socket)
    expect(await socket.emitWithAck('subscribe', { channel: '$ops' })).toEqual({ ok: true, channel: '$ops' })
    // Whether anyone listens on $ops is looked up every 2 s: queue postbacks until one's end arrives.
    await waitFor(
      async () => {
        await app.api('/api/queue/postback', { body: { postbackUrl: ok.url('/hook?token=s3cr3t&x=1'), payload: { n: 1 } } })
        return events.some((e) => e.name === 'postback.completed')
      },
      { intervalMs: 500, what: 'postback.completed on $ops' },
    )
    const completed = events.find((e) => e.name === 'postback.completed')!.payload
    // The URL's query values are redacted: a secret there travels no further than the URL.
    expect(completed).toMatchObject({ event: 'postback.completed', data: { status: 'completed', postbackUrl: ok.url('/hook?token=REDACTED&x=REDACTED') } })
    expect(JSON.stringify(completed)).not.toContain('s3cr3t')
    expect(completed.data.payload).toBeUndefined()
    expect(completed.data.headers).toBeUndefined()

    await app.api('/api/queue/postback', { body: { postbackUrl: failing.url(), payload: {} } })
    await waitFor(() => events.some((e) => e.name === 'postback.failed'), { what: 'postback.failed on $ops' })

    const destination = `http://127.0.0.1:${ok.port}`
    expect((await app.api(`/api/destinations/${encodeURIComponent(destination)}/pause`, { method: 'POST' })).status).toBe(200)
    const paused = await waitFor(() => events.find((e) => e.name === 'destination.paused'), { what: 'destination.paused on $ops' })
    expect(paused.payload).toMatchObject({ event: 'destination.paused', data: { event: 'destination.paused', destination } })
  })

  it('lets an API-token socket connect into $ops', async () => {
    const app = await start()
    const { socket, info } = await connect(app.url, { channel: '$ops' }, { auth: { token: TOKEN } })
    own(socket)
    expect(info.channel).toBe('$ops')
  })

  it('refuses $ops to client tokens, even one that lists it', async () => {
    const app = await start()
    const listing = await mint(app, { userId: 'ana', channels: ['home', '$ops'] })
    const { socket } = await connect(app.url, { channel: 'home' }, { auth: { token: listing } })
    own(socket)
    const refusal = { ok: false, error: 'FORBIDDEN', message: 'channel "$ops" is reserved for the API token' }
    expect(await socket.emitWithAck('subscribe', { channel: '$ops' })).toEqual(refusal)
    const unscoped = await mint(app, { userId: 'ana' })
    const { socket: other } = await connect(app.url, {}, { auth: { token: unscoped } })
    own(other)
    expect(await other.emitWithAck('subscribe', { channel: '$ops' })).toEqual(refusal)
    expect((await app.api('/api/socket/sockets/channel/%24ops/stats')).body.socketCount).toBe(0)

    const { error, message } = refusal
    expect((await connectError(app.url, { channel: '$ops' }, { auth: { token: listing } })).data).toEqual({ error, message })
    const opsFirst = await mint(app, { userId: 'ana', channels: ['$ops'] })
    expect((await connectError(app.url, {}, { auth: { token: opsFirst } })).data).toEqual({ error, message })
  })
})
