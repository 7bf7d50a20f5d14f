// What the logs say (start-up, failed attempts, shutdown), and that secrets never reach them,
// even at trace level.
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
  it('are JSON lines in production that say what happened, and never contain tokens, receiver secrets or payloads', async () => {
    dir = await tempDir('qsp-logs-')
    receiver = await startReceiver((_request, index) => ({ status: index === 0 ? 500 : 200 }))
    const receiverSecret = 'receiver-secret-7f3a9c'
    server = spawnServer(dir, serviceEnv({ LOG_LEVEL: 'trace', POSTBACK_BACKOFF_MS: '10' }))
    const url = await server.listening()

    const queued = await request(url, '/api/queue/postback', {
      body: { postbackUrl: receiver.url('/hook?key=receiver-query-secret'), payload: { ok: 'payload-value-93' }, headers: { Authorization: `Bearer ${receiverSecret}` } },
    })
    await request(url, `/api/queue/stats?token=${TOKEN}`, { token: null })
    await request(url, `/api/queue/stats?limit=1&access_token=${TOKEN}`)
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
    for (const secret of [TOKEN, receiverSecret, minted, minted.split('.')[2]!, 'receiver-query-secret', 'payload-value-93']) {
      expect(output).not.toContain(secret)
    }

    const entries = lines.map((line) => JSON.parse(line) as Record<string, any>)
    const ready = entries.find((e) => e.msg === 'ready')
    expect(ready).toMatchObject({ level: 30, store: 'sqlite', socketAdapter: 'local', address: url, dashboard: `${url}/dashboard` })
    expect(entries.filter((e) => e.level === 40 && /SSRF guard is off/.test(e.msg))).toHaveLength(1)

    const failed = entries.filter((e) => e.msg?.startsWith('postback attempt failed'))
    expect(failed).toEqual([
      {
        level: 40,
        time: expect.any(Number),
        pid: expect.any(Number),
        hostname: expect.any(String),
        postbackId: queued.body.queueId,
        destination: `http://127.0.0.1:${receiver.port}`,
        attempt: 1,
        maxAttempts: 3,
        statusCode: 500,
        error: 'HTTP 500 Internal Server Error',
        nextAttemptAt: expect.any(String),
        msg: 'postback attempt failed; will retry',
      },
    ])
    expect(entries.some((e) => e.msg === 'incoming request' && e.url === '/api/queue/stats?token=[redacted]')).toBe(true)
    const shutdown = entries.findIndex((e) => e.msg === 'shutting down')
    expect(entries.findIndex((e) => e.msg === 'shut down' && e.level === 30)).toBeGreaterThan(shutdown)
  })
})
