import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { request, tempDir } from './helpers/app.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'

const running: ServerProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const server of running.splice(0)) {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

const base = { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' }

async function workdir(): Promise<string> {
  const dir = await tempDir('qsp-server-')
  dirs.push(dir)
  return dir
}

function start(cwd: string, env: Record<string, string>): ServerProcess {
  const server = spawnServer(cwd, { ...base, ...env })
  running.push(server)
  return server
}

describe('npm start', () => {
  it('on a fresh checkout writes .env with a random token, says so, and serves with it', async () => {
    const cwd = await workdir()
    const server = start(cwd, {})
    const url = await server.listening()
    const env = await readFile(join(cwd, '.env'), 'utf8')
    const token = /^API_TOKEN=([0-9a-f]{64})$/m.exec(env)?.[1]
    expect(token).toBeDefined()
    expect(server.stdout()).toMatch(/Created .*\.env with a new random API_TOKEN/)
    expect(server.stdout() + server.stderr()).not.toContain(token!)
    expect((await request(url, '/api/queue/postback', { token: token! })).status).toBe(200)
    expect((await request(url, '/api/queue/postback', { token: 'other' })).status).toBe(401)
  })

  it('exits with "API_TOKEN is required" and how to make one when .env has no token', async () => {
    const cwd = await workdir()
    await writeFile(join(cwd, '.env'), 'PORT=0\n')
    const server = start(cwd, {})
    expect(await server.exited()).toBe(1)
    expect(server.stderr()).toMatch(/API_TOKEN is required.*openssl rand -hex 32/)
  })

  it('lets the environment win over .env', async () => {
    const cwd = await workdir()
    await writeFile(join(cwd, '.env'), 'API_TOKEN=from-file\nPORT=notaport\n')
    const server = start(cwd, { API_TOKEN: 'from-env', PORT: '0' })
    const url = await server.listening()
    expect((await request(url, '/api/queue/postback', { token: 'from-env' })).status).toBe(200)
    expect((await request(url, '/api/queue/postback', { token: 'from-file' })).status).toBe(401)
  })

  it('stops with one line naming an invalid variable', async () => {
    const cwd = await workdir()
    const server = start(cwd, { API_TOKEN: 't', PORT: 'abc' })
    expect(await server.exited()).toBe(1)
    expect(server.stderr().trim()).toBe('Invalid PORT=abc: expected an integer of at least 0 and at most 65535')
  })

  it('exits 0 on SIGTERM', async () => {
    const cwd = await workdir()
    const server = start(cwd, { API_TOKEN: 't' })
    await server.listening()
    server.child.kill('SIGTERM')
    expect(await server.exited()).toBe(0)
  })
})
