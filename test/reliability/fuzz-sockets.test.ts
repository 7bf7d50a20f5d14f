// Property: whatever socket clients send, the server survives and a well-behaved client keeps
// getting its events.
import fc from 'fast-check'
import type { Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { connect, nextEvent } from '../helpers/sockets.js'

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
  const arrival = nextEvent(witness, 'still-there', 3000)
  const response = await app.api('/api/socket/dispatch', { body: { channel: 'witness', event: 'still-there', data: tag } })
  expect(response.body.dispatchedCount).toBe(1)
  expect((await arrival).data).toBe(tag)
}

const eventName = fc.oneof(
  fc.constantFrom('message', 'ping', 'subscribe', 'unsubscribe', 'connected', 'pong', 'error', 'disconnecting'),
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
)

describe('socket fuzzing', () => {
  it('survives random events and payloads from many clients while a witness keeps receiving', async () => {
    let tag = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(eventName, fc.array(payload, { maxLength: 3 })), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (events, garbage) => {
          const { socket: rogue } = await connect(app.url, { channel: 'rogue' })
          try {
            for (const [name, args] of events) {
              try {
                rogue.emit(name, ...args)
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
})
