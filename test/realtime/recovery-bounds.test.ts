// Connection-state recovery within bounds: what one reconnect replays
// (SOCKET_RECOVERY_MAX_REPLAY_BYTES), what one instance keeps (SOCKET_RECOVERY_MAX_BYTES), and a
// session restored at most once. A client past a bound connects as a new socket (`recovered` false).
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, nextEvent, recordEvents } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

const padding = 'x'.repeat(2000)

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const dispatch = (app: TestApp, body: object) => app.api('/api/socket/dispatch', { body })

  /** A client that reconnects only when told to, with whatever it was sent recorded. */
  async function client(app: TestApp) {
    const { socket, info } = await connect(app.url, { channel: 'live', userId: 'ana' })
    own(socket)
    return { socket, info, events: recordEvents(socket) }
  }

  /** Drops the client's transport as a network failure would, and waits until the server has seen it go. */
  async function drop(app: TestApp, socket: Socket) {
    const gone = nextEvent(socket, 'disconnect')
    socket.io.engine.close()
    await gone
    await waitFor(async () => (await app.api('/api/socket/sockets/stats?userId=ana')).body.totalConnections === 0, {
      what: 'the server to see the socket go',
    })
  }

  async function reconnect(socket: Socket) {
    const back = nextEvent(socket, 'connected')
    socket.connect()
    return back
  }

  it('replays what a client missed up to SOCKET_RECOVERY_MAX_REPLAY_BYTES, and recovers none of a client that missed more', async () => {
    const app = await start({ SOCKET_RECOVERY_MAX_REPLAY_BYTES: '4096' })
    const { socket, info, events } = await client(app)
    await drop(app, socket)
    await dispatch(app, { channel: 'live', event: 'small', data: { padding } })
    await reconnect(socket)
    expect(socket.recovered).toBe(true)
    expect(socket.id).toBe(info.socketId)
    await waitFor(() => events.some((e) => e.name === 'small'), { what: 'the missed event' })

    await drop(app, socket)
    for (let i = 0; i < 3; i++) await dispatch(app, { channel: 'live', event: 'big', data: { i, padding } })
    const second = await reconnect(socket)
    expect(socket.recovered).toBe(false)
    expect(second.socketId).not.toBe(info.socketId)
    expect(events.filter((e) => e.name === 'big')).toEqual([])
  })

  it('keeps at most SOCKET_RECOVERY_MAX_BYTES on one instance: a client whose missed packets were dropped is not recovered', async () => {
    const app = await start({ SOCKET_ADAPTER: 'local', SOCKET_RECOVERY_MAX_BYTES: '4096' })
    const { socket } = await client(app)
    await drop(app, socket)
    // Sent to others, so none of it would be replayed to this client; it pushes out what this client last had.
    for (let i = 0; i < 3; i++) await dispatch(app, { channel: 'elsewhere', event: 'big', data: { i, padding } })
    await reconnect(socket)
    expect(socket.recovered).toBe(false)
  })

  it('restores a session once: a second reconnect with the same session id and offset connects as a new socket', async () => {
    const app = await start()
    const { socket, info } = await client(app)
    const session = socket as unknown as { _pid: string; _lastOffset: string }
    const { _pid: pid, _lastOffset: offset } = session
    await drop(app, socket)
    const first = await connect(app.url, {}, { auth: { token: TOKEN, pid, offset } })
    own(first.socket)
    expect(first.info.socketId).toBe(info.socketId)
    const second = await connect(app.url, {}, { auth: { token: TOKEN, pid, offset } })
    own(second.socket)
    expect(second.info.socketId).not.toBe(info.socketId)
  })
})
