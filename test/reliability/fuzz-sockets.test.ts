// Property: whatever socket clients send, the server survives and a well-behaved client keeps
// getting its events.
import fc from 'fast-check'
import type { Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { connect, connectError, nextEvent } from '../helpers/sockets.js'

let app: TestApp
let witness: Socket

beforeAll(async () => {
  app = await startApp({ SOCKET_MAX_PAYLOAD_BYTES: '16384', SOCKET_EVENTS_PER_SECOND: '1000' })
  witness = (await connect(app.url, { channel: 'witness' })).socket
})
afterAll(async () => {
  witness.close()
  await app.close()
})

/** The witness still gets a dispatch, promptly. */
async function witnessReceives(tag: number): Promise<void> {
  const arrival = nextEvent(witness, 'still-there', 10_000)
  const response = await app.api('/api/socket/dispatch', { body: { channel: 'witness', event: 'still-there', data: tag } })
  expect(response.body.dispatchedCount).toBe(1)
  expect((await arrival).data).toBe(tag)
}

const eventName = fc.oneof(
  fc.constantFrom('message', 'ping', 'subscribe', 'unsubscribe', 'presence', 'connected', 'pong', 'error', 'disconnecting'),
  fc.string({ maxLength: 50 }),
)
const payload = fc.oneof(
  fc.anything({ maxDepth: 4, withBigInt: false, withMap: false, withSet: false, withTypedArray: false }),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.nat({ max: 40 }).map((depth) => {
    let value: unknown = 'bottom'
    for (let i = 0; i < depth * 50; i++) value = { value }
    return value
  }),
  fc.nat({ max: 30_000 }).map((n) => ({ event: 'big', data: 'x'.repeat(n) })),
  fc.record({ event: fc.string({ maxLength: 300 }), data: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ channel: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()) }),
  fc.constantFrom({ channel: 'rogue' }, { channel: 'presence-rogue' }),
)

/** JSON text nested `depth` levels deep: arrays, objects or both. */
function nestedText(depth: number, shape: 'arrays' | 'objects' | 'mixed'): string {
  const opens = Array.from({ length: depth }, (_, i) => (shape === 'arrays' || (shape === 'mixed' && i % 2) ? '[' : '{"k":'))
  return `${opens.join('')}1${opens.reverse().map((o) => (o === '[' ? ']' : '}')).join('')}`
}

describe('socket fuzzing', () => {
  it('survives random events and payloads from many clients while a witness keeps receiving', async () => {
    let tag = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(eventName, fc.array(payload, { maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (events, garbage) => {
          const { socket: rogue } = await connect(app.url, { channel: 'rogue' })
          try {
            for (const [name, args, withAck] of events) {
              try {
                if (withAck) rogue.emit(name, ...args, () => {})
                else rogue.emit(name, ...args)
              } catch {
                // the client itself refuses some names (reserved events): nothing was sent
              }
            }
            // Bytes that are no Socket.IO packet at all: the server drops this client only.
            if (garbage) rogue.io.engine.write('garbage{{{')
            await witnessReceives(++tag)
          } finally {
            rogue.close()
          }
        },
      ),
      { numRuns: 120 },
    )
    expect((await app.api('/health', { token: null })).status).toBe(200)
  })

  it('echoes every message nested up to 64 levels and refuses every deeper one with an error event', async () => {
    const { socket: sender } = await connect(app.url, { channel: 'deep' })
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2500 }), fc.constantFrom('arrays', 'objects', 'mixed'), async (depth, shape) => {
          const answer = Promise.race([nextEvent(sender, 'message-received'), nextEvent(sender, 'error')])
          // Written onto the connection as text, as an attacker would, without the client's encoder.
          // The message object is level 1, so `data` nested `depth` levels makes depth + 1.
          sender.io.engine.write(`2["message",{"event":"deep","data":${nestedText(depth, shape)}}]`)
          const received = await answer
          if (depth + 1 <= 64) expect(received.originalMessage?.event, `depth ${depth}`).toBe('deep')
          else expect(received, `depth ${depth}`).toEqual({ error: 'VALIDATION_ERROR', message: 'argument 1 of "message" is nested deeper than 64 levels' })
        }),
        { numRuns: 150 },
      )
      await witnessReceives(-1)
    } finally {
      sender.close()
    }
  })

  it('refuses handshakes whose auth is nested deeper than 64 levels and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 60, max: 3000 }), async (depth) => {
        let auth: unknown = 'bottom'
        for (let i = 0; i < depth; i++) auth = [auth]
        const error = await connectError(app.url, {}, { auth: { token: 'x', extra: auth } })
        expect(error.data?.error, `depth ${depth}`).toBe(depth + 1 > 64 ? 'VALIDATION_ERROR' : 'UNAUTHORIZED')
      }),
      { numRuns: 40 },
    )
    await witnessReceives(-2)
  })
})
