// Every client event that carries an ack is answered, `{ok: false, error, message}` when it is
// refused, whatever refuses it: a client's `emitWithAck` never waits forever.
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect } from '../helpers/sockets.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

/** `levels` arrays, each inside the next. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

/** Sends a raw event packet with ack id `id` and resolves with the ack's arguments. */
function rawWithAck(socket: Socket, id: number, argsJson: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ack ${id} not answered in 5 s`)), 5000)
    socket.io.engine.on('packet', function answer(packet: { type: string; data?: unknown }) {
      const text = typeof packet.data === 'string' ? packet.data : ''
      if (packet.type !== 'message' || !text.startsWith(`3${id}[`)) return
      clearTimeout(timer)
      socket.io.engine.off('packet', answer)
      resolve(JSON.parse(text.slice(`3${id}`.length)) as unknown[])
    })
    socket.io.engine.write(`2${id}${argsJson}`)
  })
}

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const socketOf = async (app: TestApp) => own((await connect(app.url, { channel: 'home', userId: 'ana' })).socket)

  it('answers every one of 120 subscribes sent back to back, the rate-limited ones with RATE_LIMITED', async () => {
    const app = await start({ SOCKET_EVENTS_PER_SECOND: '5' })
    const socket = await socketOf(app)
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => socket.timeout(10_000).emitWithAck('subscribe', { channel: `room-${i % 10}` })),
    )
    expect(answers).toHaveLength(120)
    const refused = answers.filter((answer) => !answer.ok)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) {
      expect(answer).toEqual({ ok: false, error: 'RATE_LIMITED', message: 'more than 5 events per second: events are being dropped' })
    }
    for (const answer of answers.filter((a) => a.ok)) expect(answer).toEqual({ ok: true, channel: expect.stringMatching(/^room-\d$/) })
  })

  it('answers an event whose binary attachments pass SOCKET_MAX_PAYLOAD_BYTES', async () => {
    const app = await start({ SOCKET_MAX_PAYLOAD_BYTES: '4096' })
    const socket = await socketOf(app)
    const answer = await socket.timeout(5000).emitWithAck('message', { event: 'files', data: [Buffer.alloc(3000), Buffer.alloc(3000)] })
    expect(answer).toEqual({ ok: false, error: 'VALIDATION_ERROR', message: '"message" carries more than 4096 bytes' })
  })

  it('answers a message nested too deep', async () => {
    const app = await start()
    const socket = await socketOf(app)
    const answer = await socket.timeout(5000).emitWithAck('message', { event: 'deep', data: nested(100) })
    expect(answer).toEqual({ ok: false, error: 'VALIDATION_ERROR', message: 'argument 1 of "message" is nested deeper than 64 levels' })
  })

  it('answers a message with an ack: received, or why not', async () => {
    const app = await start()
    const socket = await socketOf(app)
    expect(await socket.timeout(5000).emitWithAck('message', { event: 'hello', data: 1 })).toEqual({ ok: true, receivedAt: expect.any(String) })
    expect(await socket.timeout(5000).emitWithAck('message', { data: 1 })).toEqual({
      ok: false,
      error: 'VALIDATION_ERROR',
      message: 'message must be an object {event, data} with a non-empty string event of at most 200 characters',
    })
  })

  it('answers an event the server does not handle with UNKNOWN_EVENT', async () => {
    const app = await start()
    const socket = await socketOf(app)
    expect(await socket.timeout(5000).emitWithAck('typing', { on: true })).toEqual({
      ok: false,
      error: 'UNKNOWN_EVENT',
      message: 'no event "typing" here: a client may send ping, message, subscribe, unsubscribe and presence',
    })
    // A name the server's own socket listens to (Socket.IO's "error") is no client event either.
    expect(await rawWithAck(socket, 7, '["error","forged"]')).toEqual([
      { ok: false, error: 'UNKNOWN_EVENT', message: 'no event "error" here: a client may send ping, message, subscribe, unsubscribe and presence' },
    ])
    // Event names may be numbers in the protocol.
    expect(await rawWithAck(socket, 8, '[42]')).toMatchObject([{ ok: false, error: 'UNKNOWN_EVENT' }])
  })

  it('finds the ack after any arguments: a ping with a payload, a subscribe with an extra argument', async () => {
    const app = await start()
    const socket = await socketOf(app)
    expect(await socket.timeout(5000).emitWithAck('ping', { hello: 1 })).toEqual({ timestamp: expect.any(String) })
    expect(await socket.timeout(5000).emitWithAck('subscribe', { channel: 'extra' }, 'more')).toEqual({ ok: true, channel: 'extra' })
  })
})
