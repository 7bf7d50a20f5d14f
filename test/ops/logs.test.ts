// Secrets never reach the logs, even at trace level.
import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { TOKEN, request, tempDir } from '../helpers/app.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { serviceEnv, spawnServer, type ServerProcess } from '../helpers/server-process.js'
import { connect, connectError } from '../helpers/sockets.js'

let receiver: Receiver
let dir: string
let server: ServerProcess

afterEach(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL')
  await receiver?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('logs', () => {
  it('are JSON lines in production and never contain the API token, client tokens or receiver secrets', async () => {
    dir = await tempDir('qsp-logs-')
    receiver = await startReceiver((_request, index) => ({ status: index === 0 ? 500 : 200 }))
    const receiverSecret = 'receiver-secret-7f3a9c'
    server = spawnServer(dir, serviceEnv({ LOG_LEVEL: 'trace', POSTBACK_BACKOFF_MS: '10' }))
    const url = await server.listening()

    await request(url, '/api/queue/postback', {
      body: { postbackUrl: receiver.url(), payload: { ok: 1 }, headers: { Authorization: `Bearer ${receiverSecret}` } },
    })
    await request(url, '/api/queue/postback', { token: null, headers: { authorization: TOKEN } })
    await request(url, '/api/queue/postback', { token: `${TOKEN}-wrong` })
    await request(url, '/api/queue/postback', { body: '{"broken', token: TOKEN })
    const minted = (await request(url, '/api/socket/token', { body: { userId: 'ana' } })).body.token as string
    const sockets = [
      (await connect(url, {}, { auth: { token: TOKEN } })).socket,
      (await connect(url, { token: TOKEN }, { auth: {} })).socket,
      (await connect(url, {}, { auth: {}, extraHeaders: { authorization: `Bearer ${TOKEN}` } })).socket,
      (await connect(url, {}, { auth: { token: minted } })).socket,
      (await connect(url, { token: minted }, { auth: {}, transports: ['polling'] })).socket,
    ]
    await connectError(url, {}, { auth: { token: `${minted}x` } })
    await receiver.waitForRequests(2)
    for (const socket of sockets) socket.close()
    server.child.kill('SIGTERM')
    expect(await server.exited()).toBe(0)

    const output = server.stdout() + server.stderr()
    const lines = server.stdout().trim().split('\n')
    expect(lines.length).toBeGreaterThan(5)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(output).toContain('"level":20') // debug lines were written
    for (const secret of [TOKEN, receiverSecret, minted, minted.split('.')[2]!]) expect(output).not.toContain(secret)
  })
})
