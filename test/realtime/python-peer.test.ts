// Interoperability with another Socket.IO v5 implementation: python-socketio acks durable
// messages and asks for presence the way socket.io-client does.
import { spawn, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { unique } from '../helpers/realtime.js'
import { waitFor } from '../helpers/wait.js'

const PYTHON = '/usr/bin/python3'
const PEER = new URL('peers/inbox-peer.py', import.meta.url).pathname
const { own } = cleanupAfterEach()

const pythonSocketio = spawnSync(PYTHON, ['-c', 'import socketio'], { stdio: 'ignore' }).status === 0
if (!pythonSocketio && process.env.CI === 'true') throw new Error('python3-socketio is required in CI and cannot be imported')
if (!pythonSocketio) console.warn('python3-socketio is missing: the interoperability test is not run (apt-get install -y python3-socketio python3-websocket)')

describe.runIf(pythonSocketio)('a python-socketio client', () => {
  it('gets its durable messages in order, acks them with its handler’s return value, and lists presence', async () => {
    const app = own(await startApp())
    const user = unique('py')
    const channel = unique('presence-py')
    const ids: string[] = []
    for (const n of [1, 2]) {
      ids.push((await app.api('/api/socket/dispatch', { body: { userId: user, event: 'note', data: { n }, durable: true } })).body.messageId)
    }
    const child = spawn(PYTHON, [PEER, app.url, TOKEN, user, channel], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code, out).toBe(0)
    const [received, presence] = out.trim().split('\n').map((line) => JSON.parse(line))
    expect(received.received.map((m: any) => [m.messageId, m.data.n])).toEqual([[ids[0], 1], [ids[1], 2]])
    expect(presence.presence).toEqual({ ok: true, channel, members: [{ userId: user, info: { lang: 'python' }, since: expect.any(String) }] })
    await waitFor(async () => (await app.api(`/api/socket/users/${user}/inbox`)).body.pending === 0, { what: 'the python acks recorded' })
  })
})
