import { chmod, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TOKEN, request, tempDir } from './helpers/app.js'
import { spawnServer, type RunAs, type ServerProcess } from './helpers/server-process.js'
import { waitFor } from './helpers/wait.js'

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

function start(cwd: string, env: Record<string, string>, as?: RunAs): ServerProcess {
  const server = spawnServer(cwd, { ...base, ...env }, as)
  running.push(server)
  return server
}

/** Runs `env` to its exit and returns the one line it printed on stderr, failing on anything more. */
async function startUpFailure(env: Record<string, string>, as?: RunAs): Promise<string> {
  const cwd = await workdir()
  await chmod(cwd, 0o755) // another user must be able to work in it
  const server = start(cwd, { API_TOKEN: TOKEN, ...env }, as)
  expect(await server.exited()).toBe(1)
  const lines = server.stderr().trim().split('\n')
  expect(lines, server.stderr()).toHaveLength(1)
  expect(server.stdout() + server.stderr()).not.toMatch(/^\s+at /m)
  return lines[0]!
}

/** Root ignores file permissions: a read-only directory is read-only only to another user. */
const asUnprivileged: RunAs | undefined = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined

describe('npm start', () => {
  it('on a fresh checkout writes .env with a random token, says so, and serves with it', async () => {
    const cwd = await workdir()
    // As `npm start` runs it: NODE_ENV unset (development).
    const server = start(cwd, { NODE_ENV: '' })
    const url = await server.listening()
    const env = await readFile(join(cwd, '.env'), 'utf8')
    const token = /^API_TOKEN=([0-9a-f]{64})$/m.exec(env)?.[1]
    expect(token).toBeDefined()
    expect(server.stdout()).toMatch(/Created .*\.env with a new random API_TOKEN/)
    expect(server.stdout() + server.stderr()).not.toContain(token!)
    expect((await request(url, '/api/queue/postback', { token: token! })).status).toBe(200)
    expect((await request(url, '/api/queue/postback', { token: 'other' })).status).toBe(401)
  })

  it('writes no .env in production (a container is given its token) and says API_TOKEN is required', async () => {
    const cwd = await workdir()
    const server = start(cwd, {})
    expect(await server.exited()).toBe(1)
    expect(server.stderr().trim()).toMatch(/^API_TOKEN is required: .*openssl rand -hex 32\)$/)
    await expect(readFile(join(cwd, '.env'), 'utf8')).rejects.toThrow(/ENOENT/)
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

describe('start-up failures print one line and exit 1', () => {
  it('port in use', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as { port: number }).port
    try {
      expect(await startUpFailure({ PORT: String(port) })).toBe(
        `PORT ${port} is already in use on 127.0.0.1: stop the process using it or set another PORT`,
      )
    } finally {
      holder.close()
    }
  })

  it('a HOST that is not an address of this machine, or not an address at all', async () => {
    expect(await startUpFailure({ HOST: '192.0.2.1' })).toBe(
      'Invalid HOST=192.0.2.1: it is not an address of this machine (EADDRNOTAVAIL)',
    )
    expect(await startUpFailure({ HOST: 'not a host' })).toBe('Invalid HOST=not a host: expected an IP address or a hostname')
  })

  it('a DATA_DIR that is a file, or below a file', async () => {
    const dir = await workdir()
    await writeFile(join(dir, 'file'), 'not a directory')
    expect(await startUpFailure({ DATA_DIR: join(dir, 'file') })).toBe(
      `DATA_DIR ${join(dir, 'file')} cannot be used: it is a file, not a directory`,
    )
    expect(await startUpFailure({ DATA_DIR: join(dir, 'file', 'data') })).toBe(
      `DATA_DIR ${join(dir, 'file', 'data')} cannot be used: a part of its path is a file, not a directory`,
    )
  })

  it('a read-only DATA_DIR, and one whose missing parent cannot be created', async () => {
    const dir = await workdir()
    const readOnly = join(dir, 'read-only')
    await mkdir(readOnly)
    await chmod(dir, 0o755)
    await chmod(readOnly, 0o555)
    expect(await startUpFailure({ DATA_DIR: readOnly }, asUnprivileged)).toBe(
      `DATA_DIR ${readOnly} cannot be used: it cannot be created or written (SQLITE_CANTOPEN); give this user write access or choose another DATA_DIR`,
    )
    expect(await startUpFailure({ DATA_DIR: join(readOnly, 'missing', 'data') }, asUnprivileged)).toBe(
      `DATA_DIR ${join(readOnly, 'missing', 'data')} cannot be used: it cannot be created or written (EACCES); give this user write access or choose another DATA_DIR`,
    )
  })

  it('a database file that is not SQLite, or was truncated', async () => {
    const dir = await workdir()
    const garbage = join(dir, 'garbage')
    await mkdir(garbage)
    await writeFile(join(garbage, 'postbacks.sqlite'), 'x'.repeat(5000))
    expect(await startUpFailure({ DATA_DIR: garbage })).toMatch(
      new RegExp(`^DATA_DIR ${garbage} cannot be used: postbacks.sqlite is not a usable database \\(file is not a database\\); restore a backup`),
    )

    const truncated = join(dir, 'truncated')
    const first = start(dir, { API_TOKEN: TOKEN, DATA_DIR: truncated, POSTBACK_MAX_ATTEMPTS: '1' })
    const url = await first.listening()
    for (let i = 0; i < 50; i++) {
      await request(url, '/api/queue/postback', { body: { postbackUrl: 'http://127.0.0.1:9/', payload: { filler: 'x'.repeat(2000) } } })
    }
    first.child.kill('SIGTERM')
    expect(await first.exited()).toBe(0)
    await truncate(join(truncated, 'postbacks.sqlite'), 6000)
    expect(await startUpFailure({ DATA_DIR: truncated })).toMatch(
      /cannot be used: postbacks.sqlite is not a usable database \(database disk image is malformed\)/,
    )
  })

  it('a POSTBACK_SIGNING_SECRET that does not decode', async () => {
    const line = await startUpFailure({ POSTBACK_SIGNING_SECRET: 'whsec_a' })
    expect(line).toMatch(/^Invalid POSTBACK_SIGNING_SECRET: the first secret does not decode: expected whsec_ followed by standard base64/)
    expect(line).not.toContain('whsec_a')
  })

  it('an ALLOWED_ORIGINS entry that is not an origin', async () => {
    expect(await startUpFailure({ ALLOWED_ORIGINS: 'https://app.example.com, https://app.example.com/path' })).toBe(
      'Invalid ALLOWED_ORIGINS entry "https://app.example.com/path": not an origin; write it as https://app.example.com',
    )
  })
})

describe('start-up warnings', () => {
  it('warns once about an API_TOKEN shorter than 32 characters, and not about a long one', async () => {
    const ready = (server: ServerProcess) => waitFor(() => server.stdout().includes('"msg":"ready"'), { what: 'ready' })
    const short = start(await workdir(), { API_TOKEN: 'short-token' })
    await ready(short)
    const warnings = short.stdout().split('\n').filter((line) => line.includes('"level":40'))
    expect(warnings.filter((line) => line.includes('API_TOKEN is shorter than 32 characters'))).toHaveLength(1)
    expect(short.stdout()).not.toContain('short-token')

    const long = start(await workdir(), { API_TOKEN: 'x'.repeat(32) })
    await ready(long)
    expect(long.stdout()).not.toContain('API_TOKEN is shorter')
    expect(long.stdout()).not.toContain('SSRF guard is off')
  })

  it('warns once about a POSTBACK_SIGNING_SECRET under 24 bytes, without repeating it', async () => {
    const server = start(await workdir(), { API_TOKEN: 'x'.repeat(32), POSTBACK_SIGNING_SECRET: 'whsec_c2hvcnQ=' })
    await waitFor(() => server.stdout().includes('"msg":"ready"'), { what: 'ready' })
    const warnings = server.stdout().split('\n').filter((line) => line.includes('"level":40'))
    expect(warnings.filter((line) => line.includes('POSTBACK_SIGNING_SECRET: the first secret is 5 bytes long'))).toHaveLength(1)
    expect(server.stdout()).not.toContain('c2hvcnQ')
  })
})
