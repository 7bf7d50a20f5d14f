// Whatever a socket client sends is bounded in depth and size before anything echoes, relays or
// encodes it; a refused event gets an `error` event and everyone else is served as before.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, startApp, tempDir, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import type { Socket } from 'socket.io-client'
import { connect, connectError, nextEvent, recordEvents } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

/** `levels` arrays, each inside the next: nesting depth `levels`. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

/** JSON text of `levels` arrays, each inside the next, as an attacker writes it (no encoder needed). */
const nestedText = (levels: number) => `${'['.repeat(levels)}"bottom"${']'.repeat(levels)}`

/** Sends `message` {event, data} with data given as JSON text, straight onto the connection. */
const sendRawMessage = (socket: Socket, event: string, dataText: string) =>
  socket.io.engine.write(`2["message",{"event":${JSON.stringify(event)},"data":${dataText}}]`)

const socketOn = async (url: string, query: Record<string, string>) => own((await connect(url, query)).socket)

describe('a socket message nested 5,000 arrays deep', () => {
  it('is refused with an error event; the server process lives on and serves everyone', async () => {
    const dir = await tempDir('qsp-bounds-')
    defer(() => rm(dir, { recursive: true, force: true }))
    const server = spawn(dir, serviceEnv({ DATA_DIR: `${dir}/data` }))
    const url = await server.listening()
    const rogue = await socketOn(url, { channel: 'room', userId: 'rogue' })
    const listener = await socketOn(url, { channel: 'room', userId: 'listener' })
    const relayed = recordEvents(listener)

    const refused = nextEvent(rogue, 'error')
    sendRawMessage(rogue, 'deep', nestedText(5000))
    expect(await refused).toEqual({
      error: 'VALIDATION_ERROR',
      message: 'argument 1 of "message" is nested deeper than 64 levels',
    })

    // Still connected and still heard: the next message is echoed and relayed, and it is the
    // first one the listener gets, so the deep one was never relayed.
    const echoed = nextEvent(rogue, 'message-received')
    rogue.emit('message', { event: 'fine', data: { ok: true } })
    expect((await echoed).originalMessage).toMatchObject({ event: 'fine', data: { ok: true } })
    await waitFor(() => relayed.some((e) => e.name === 'message'), { what: 'the relay of the second message' })
    expect(relayed.filter((e) => e.name === 'message').map((e) => e.payload.event)).toEqual(['fine'])

    const arrival = nextEvent(listener, 'still-there')
    const dispatched = await request(url, '/api/socket/dispatch', { body: { userId: 'listener', event: 'still-there', data: 1 } })
    expect(dispatched.body.dispatchedCount).toBe(1)
    await arrival
    expect((await request(url, '/health', { token: null })).status).toBe(200)
    expect(server.child.exitCode).toBeNull()
  })
})

describe('socket input bounds', () => {
  const start = async (env: Record<string, string> = {}) => own(await startApp(env))
  const appWithSocket = async (env: Record<string, string> = {}) => {
    const app: TestApp = await start(env)
    return { app, socket: await socketOn(app.url, { channel: 'c', userId: 'u' }) }
  }

  it('echoes a message nested exactly 64 levels deep and refuses one level more', async () => {
    const { socket } = await appWithSocket()
    // The message object is level 1, so its data may nest 63 levels.
    const echoed = nextEvent(socket, 'message-received')
    socket.emit('message', { event: 'edge', data: nested(63) })
    expect(JSON.stringify((await echoed).originalMessage.data)).toBe(JSON.stringify(nested(63)))

    const refused = nextEvent(socket, 'error')
    socket.emit('message', { event: 'edge', data: nested(64) })
    expect((await refused).message).toMatch(/nested deeper than 64 levels/)
  })

  it('answers the ack of a refused event with {ok: false}', async () => {
    const { socket } = await appWithSocket()
    const answer = await socket.timeout(5000).emitWithAck('subscribe', { channel: nested(100) })
    expect(answer).toEqual({ ok: false, error: 'VALIDATION_ERROR', message: 'argument 1 of "subscribe" is nested deeper than 64 levels' })
    expect(await socket.timeout(5000).emitWithAck('subscribe', { channel: 'next' })).toEqual({ ok: true, channel: 'next' })
  })

  it('refuses binary attachments that add up to more than SOCKET_MAX_PAYLOAD_BYTES', async () => {
    const { socket } = await appWithSocket({ SOCKET_MAX_PAYLOAD_BYTES: '4096' })
    const refused = nextEvent(socket, 'error')
    // Each attachment fits the limit on its own; together they are 12 KiB.
    socket.emit('message', { event: 'files', data: [Buffer.alloc(3000), Buffer.alloc(3000), Buffer.alloc(3000), Buffer.alloc(3000)] })
    expect(await refused).toEqual({ error: 'VALIDATION_ERROR', message: '"message" carries more than 4096 bytes' })
    expect(socket.connected).toBe(true)
  })

  it('queues no lifecycle webhook for a refused message', async () => {
    const backend = own(await startReceiver())
    const { app, socket } = await appWithSocket({ SOCKET_WEBHOOK_URL: backend.url('/socket-events') })
    const refused = nextEvent(socket, 'error')
    sendRawMessage(socket, 'deep', nestedText(5000))
    await refused
    socket.emit('message', { event: 'fine', data: 1 })
    // socket.connected and channel.occupied, then the fine message: a webhook for the deep one
    // would have come between.
    const requests = await backend.waitForRequests(3)
    const events = requests.map((r) => JSON.parse(r.body)).map((b) => b.message?.event ?? b.event)
    expect(events.sort()).toEqual(['channel.occupied', 'fine', 'socket.connected'])
    expect((await app.api('/api/queue/stats')).body.total).toBe(3)
  })

  it('refuses a connection whose handshake auth is nested too deep', async () => {
    const app = await start()
    const error = await connectError(app.url, {}, { auth: { token: 'x', extra: nested(1000) } })
    expect(error.data).toEqual({ error: 'VALIDATION_ERROR', message: 'auth is nested deeper than 64 levels' })
    expect((await app.api('/health', { token: null })).status).toBe(200)
  })
})
