// SIGTERM lets a delivery in flight finish, closes the sockets and exits 0.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver, type Responder } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { connect, nextEvent } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

/** A working directory, a receiver answering as told, and a way to start the service there. */
async function setUp(responder: Responder) {
  const dir = await tempDir('qsp-shutdown-')
  defer(() => rm(dir, { recursive: true, force: true }))
  const receiver = own(await startReceiver(responder))
  return { receiver, start: () => spawn(dir, serviceEnv({ SHUTDOWN_TIMEOUT_MS: '5000' })) }
}

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the delivery in flight, closes sockets and exits 0', async () => {
    const { receiver, start } = await setUp(() => ({ status: 200, delayMs: 1500, body: 'took my time' }))
    const server = start()
    const url = await server.listening()
    const { socket } = await connect(url, { channel: 'c' })
    const { body } = await request(url, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { n: 1 } } })
    await receiver.waitForRequests(1)

    const disconnected = nextEvent(socket, 'disconnect')
    const signalledAt = Date.now()
    server.child.kill('SIGTERM')
    expect(['io server disconnect', 'transport close']).toContain(await disconnected)
    expect(await server.exited()).toBe(0)
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000)

    // The attempt was recorded before the exit: the next start has nothing left to deliver.
    const next = start()
    const nextUrl = await next.listening()
    const postback = (await request(nextUrl, `/api/queue/postback/${body.queueId}`)).body
    expect(postback).toMatchObject({ status: 'completed', retries: 0 })
    expect(postback.attempts).toEqual([expect.objectContaining({ statusCode: 200, responseBody: 'took my time' })])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.requests).toHaveLength(1)
  })

  it('cuts a delivery off after SHUTDOWN_TIMEOUT_MS and delivers it again after restart', async () => {
    const { receiver, start } = await setUp((_request, index) => (index === 0 ? { hang: true } : { status: 200 }))
    const server = start()
    const url = await server.listening()
    const { body } = await request(url, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: {} } })
    await receiver.waitForRequests(1)
    server.child.kill('SIGTERM')
    expect(await server.exited(15_000)).toBe(0)

    const next = start()
    const nextUrl = await next.listening()
    await receiver.waitForRequests(2)
    await waitFor(async () => (await request(nextUrl, `/api/queue/postback/${body.queueId}`)).body.status === 'completed')
  })
})
