// SIGTERM: /health says so at once, the listener closes, what was received is answered, a delivery
// in flight may finish, sockets are closed, and the process exits 0 in time.
import { rm } from 'node:fs/promises'
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { TOKEN, request, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver, type Responder } from '../helpers/receiver.js'
import { serverProcesses, serviceEnv } from '../helpers/server-process.js'
import { connect, nextEvent } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { defer, own } = cleanupAfterEach()
const spawn = serverProcesses(defer)

/** A working directory, a receiver answering as told, and a way to start the service there. */
async function setUp(responder: Responder, shutdownTimeoutMs = 5000) {
  const dir = await tempDir('qsp-shutdown-')
  defer(() => rm(dir, { recursive: true, force: true }))
  const receiver = own(await startReceiver(responder))
  return { receiver, start: () => spawn(dir, serviceEnv({ SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) })) }
}

interface RawResponse {
  status: number
  headers: string
  body: string
}

/**
 * One keep-alive HTTP connection written by hand, so that a request can be sent on it after the
 * listener has closed (a client never could open a new one then).
 */
async function rawConnection(url: string) {
  const { hostname, port } = new URL(url)
  const socket: TcpSocket = await new Promise((resolve, reject) => {
    const opened = tcpConnect(Number(port), hostname, () => resolve(opened)).once('error', reject)
  })
  defer(() => socket.destroy())
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    send(method: string, path: string, body?: unknown) {
      const text = body === undefined ? '' : JSON.stringify(body)
      const type = body === undefined ? '' : 'content-type: application/json\r\n'
      socket.write(
        `${method} ${path} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${TOKEN}\r\n${type}content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      )
    },
    /** The responses received once the server has closed the connection. */
    async responses(): Promise<RawResponse[]> {
      await closed
      const answers: RawResponse[] = []
      let rest = received
      while (rest.startsWith('HTTP/1.1 ')) {
        const headerEnd = rest.indexOf('\r\n\r\n')
        const headers = rest.slice(0, headerEnd)
        const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0)
        answers.push({ status: Number(headers.slice(9, 12)), headers, body: rest.slice(headerEnd + 4, headerEnd + 4 + length) })
        rest = rest.slice(headerEnd + 4 + length)
      }
      return answers
    },
  }
}

/** Whether a new TCP connection to `url` is refused. */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
}

// Each test starts one or two processes and waits for them to stop: minutes on a loaded machine.
describe('graceful shutdown', { timeout: 90_000 }, () => {
  it('on SIGTERM finishes the delivery in flight, closes sockets so that clients reconnect elsewhere, and exits 0', async () => {
    const { receiver, start } = await setUp(() => ({ status: 200, delayMs: 1500, body: 'took my time' }))
    const server = start()
    const url = await server.listening()
    const { socket } = await connect(url, { channel: 'c' })
    const { body } = await request(url, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: { n: 1 } } })
    await receiver.waitForRequests(1)

    const disconnected = nextEvent(socket, 'disconnect')
    const signalledAt = Date.now()
    server.child.kill('SIGTERM')
    // A closed connection, not a server-side disconnect ('io server disconnect'), which is the one
    // reason socket.io-client does not reconnect after: clients reconnect by themselves.
    expect(await disconnected).toBe('transport close')
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

  it('answers /health 503 shutting_down at once, refuses new connections and answers requests already received', async () => {
    const { receiver, start } = await setUp(() => ({ status: 200, delayMs: 1000 }), 3000)
    const server = start()
    const url = await server.listening()
    const { socket } = await connect(url, { channel: 'c' })
    own(socket)
    await request(url, '/api/queue/postback', { body: { postbackUrl: receiver.url(), payload: {} } })
    await receiver.waitForRequests(1)

    // A request under way when the signal comes: a dispatch that waits for an ack nobody sends.
    const connection = await rawConnection(url)
    const dispatched = nextEvent(socket, 'needs-ack')
    connection.send('POST', '/api/socket/dispatch', { channel: 'c', event: 'needs-ack', ack: true, ackTimeoutMs: 1500 })
    await dispatched

    server.child.kill('SIGTERM')
    await waitFor(() => server.stdout().includes('"msg":"shutting down"'), { what: 'the shutdown to start' })
    connection.send('GET', '/health')
    await waitFor(() => refusesConnections(url), { what: 'new connections to be refused' })
    expect(await server.exited()).toBe(0)

    const [dispatch, health] = await connection.responses()
    expect(dispatch).toMatchObject({ status: 200 })
    expect(JSON.parse(dispatch!.body)).toMatchObject({ success: true, dispatchedCount: 1, ackedCount: 0 })
    expect(health).toMatchObject({ status: 503 })
    expect(JSON.parse(health!.body)).toMatchObject({ status: 'shutting_down', store: 'sqlite' })
    expect(server.stdout()).toMatch(/"msg":"shut down"/)
  })

  it('cuts off a request still under way at SHUTDOWN_TIMEOUT_MS and exits 0 in time', async () => {
    const { start } = await setUp(() => ({ status: 200 }), 1000)
    const server = start()
    const url = await server.listening()
    const { socket } = await connect(url, { channel: 'c' })
    own(socket)
    const connection = await rawConnection(url)
    const dispatched = nextEvent(socket, 'needs-ack')
    connection.send('POST', '/api/socket/dispatch', { channel: 'c', event: 'needs-ack', ack: true, ackTimeoutMs: 60_000 })
    await dispatched
    server.child.kill('SIGTERM')
    // Waiting for the ack would take a minute; the process is gone long before.
    expect(await server.exited(30_000)).toBe(0)
    expect(await connection.responses()).toEqual([])
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
