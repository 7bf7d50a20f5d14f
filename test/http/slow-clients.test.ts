// Slow clients (SPEC §6) cannot hold connections: a request whose headers and body have not all
// arrived within REQUEST_TIMEOUT_MS is answered 408 and closed, an idle keep-alive connection is
// closed after KEEP_ALIVE_TIMEOUT_MS, and a 401 closes its connection without reading the body.
// Socket.IO's long-lived connections (WebSocket, long polling) are not requests being received:
// these timeouts leave them alone.
import { connect as tcpConnect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { connect, nextEvent } from '../helpers/sockets.js'
import { sleep } from '../helpers/wait.js'

const { own, defer } = cleanupAfterEach()

const CONNECTIONS = 40
/** Generous: CI is a busy 2-core machine; the contract is twice the timeout. */
const CLOSED_WITHIN_MS = 15_000

interface RawConnection {
  socket: Socket
  /** Everything the server sent. */
  received: () => string
  closed: Promise<void>
}

/** A raw TCP connection to the app that sends `head` at once. */
function open(app: TestApp, head: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = tcpConnect(Number(new URL(app.url).port), '127.0.0.1')
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.once('connect', () => {
      socket.write(head)
      resolve({ socket, received: () => received, closed })
    })
    socket.once('error', reject)
    defer(() => socket.destroy())
  })
}

/** Sends one more byte every `everyMs` until the connection closes. */
function trickle(connection: RawConnection, everyMs: number): void {
  const timer = setInterval(() => {
    if (!connection.socket.destroyed) connection.socket.write('x')
  }, everyMs)
  void connection.closed.then(() => clearInterval(timer))
  defer(() => clearInterval(timer))
}

const bounded = (what: string, closed: Promise<unknown>) =>
  Promise.race([closed, sleep(CLOSED_WITHIN_MS).then(() => Promise.reject(new Error(`${what} still open after ${CLOSED_WITHIN_MS} ms`)))])

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown

const postHead = (headers: string) =>
  `POST /api/queue/postback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}`

describe('slow clients', () => {
  it('answers 408 to requests whose body trickles in, and closes their connections', async () => {
    const app = own(await startApp({ REQUEST_TIMEOUT_MS: '500' }))
    const connections = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => open(app, postHead(`Authorization: Bearer ${TOKEN}\r\nContent-Length: 100000\r\n\r\n{`))),
    )
    for (const connection of connections) trickle(connection, 100)
    await bounded('a trickling connection', Promise.all(connections.map((c) => c.closed)))
    for (const connection of connections) {
      expect(statusOf(connection.received())).toBe(408)
      expect(bodyOf(connection.received())).toEqual({ error: 'REQUEST_TIMEOUT', message: expect.stringContaining('REQUEST_TIMEOUT_MS') })
    }
    expect((await app.api('/health')).status).toBe(200)
  })

  it('answers 408 to requests whose headers never end, and closes their connections', async () => {
    const app = own(await startApp({ REQUEST_TIMEOUT_MS: '500' }))
    const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => open(app, 'GET /health HTTP/1.1\r\nX-Slow: ')))
    for (const connection of connections) trickle(connection, 100)
    await bounded('a connection with slow headers', Promise.all(connections.map((c) => c.closed)))
    for (const connection of connections) expect(statusOf(connection.received())).toBe(408)
  })

  it('closes idle keep-alive connections', async () => {
    const app = own(await startApp({ KEEP_ALIVE_TIMEOUT_MS: '300' }))
    const connections = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => open(app, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')),
    )
    await bounded('an idle keep-alive connection', Promise.all(connections.map((c) => c.closed)))
    for (const connection of connections) expect(statusOf(connection.received())).toBe(200)
  })

  it('closes the connection of a 401 without reading the rest of its body', async () => {
    // The request timeout is far away: only the 401 can close these.
    const app = own(await startApp({ REQUEST_TIMEOUT_MS: '600000' }))
    const connections = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => open(app, postHead('Authorization: Bearer wrong\r\nContent-Length: 1000000\r\n\r\n{"pay'))),
    )
    await bounded('a connection answered 401', Promise.all(connections.map((c) => c.closed)))
    for (const connection of connections) {
      expect(statusOf(connection.received())).toBe(401)
      expect(connection.received()).toMatch(/\r\nconnection: close\r\n/i)
    }
  })

  it('leaves WebSocket and long-polling Socket.IO connections open past both timeouts', async () => {
    const app = own(await startApp({ REQUEST_TIMEOUT_MS: '300', KEEP_ALIVE_TIMEOUT_MS: '300' }))
    const clients = await Promise.all([
      connect(app.url, { channel: 'long', userId: 'ws' }),
      connect(app.url, { channel: 'long', userId: 'poll' }, { transports: ['polling'] }),
    ])
    for (const { socket } of clients) defer(() => socket.close())
    const drops: string[] = []
    for (const { socket, info } of clients) socket.on('disconnect', (reason) => drops.push(`${info.userId}: ${reason}`))
    // Only to show that nothing happens: several timeouts pass.
    await sleep(2000)
    expect(drops).toEqual([])
    const events = clients.map(({ socket }) => nextEvent(socket, 'still-here'))
    const dispatched = await app.api('/api/socket/dispatch', { body: { channel: 'long', event: 'still-here', data: {} } })
    expect(dispatched.body.dispatchedCount).toBe(2)
    await Promise.all(events)
    expect(clients.every(({ socket }) => socket.connected)).toBe(true)
  })
})
