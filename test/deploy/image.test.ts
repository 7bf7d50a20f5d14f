// The image built from the Dockerfile, run with `docker run --network host` against receivers on
// 127.0.0.1: what it contains, that it delivers, and that `docker stop` drains and exits 0.
import { beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, request } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { freePort } from '../helpers/ports.js'
import { startReceiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/wait.js'
import {
  BUILD_TIMEOUT_MS,
  CONTAINER_TEST_TIMEOUT_MS,
  IMAGE,
  buildImage,
  containerTestsRun,
  healthy,
  inspect,
  must,
  run,
  uniqueName,
} from './helpers/docker.js'

const enabled = await containerTestsRun(['docker'])
const { defer, own } = cleanupAfterEach()

/** A volume for /data, removed after the test. */
async function volume(): Promise<string> {
  const name = uniqueName('data')
  await must('docker', ['volume', 'create', name])
  defer(() => run('docker', ['volume', 'rm', '--force', name]))
  return name
}

/** Runs the image detached on a free port with `data` on /data; the container is removed after the test. */
async function startContainer(data: string, env: Record<string, string> = {}) {
  const name = uniqueName('qsp')
  const port = await freePort()
  const settings = {
    API_TOKEN: TOKEN,
    HOST: '127.0.0.1',
    PORT: String(port),
    POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true',
    ...env,
  }
  const environment = Object.entries(settings).flatMap(([key, value]) => ['--env', `${key}=${value}`])
  defer(() => run('docker', ['rm', '--force', '--volumes', name]))
  await must('docker', ['run', '--detach', '--name', name, '--network', 'host', '--volume', `${data}:/data`, ...environment, IMAGE])
  const url = `http://127.0.0.1:${port}`
  await healthy(url)
  return { name, url }
}

const queue = async (url: string, postbackUrl: string, payload: object) => {
  const { status, body } = await request(url, '/api/queue/postback', { body: { postbackUrl, payload } })
  expect(status).toBe(200)
  return body.queueId as string
}

const statusOf = async (url: string, id: string) => (await request(url, `/api/queue/postback/${id}`)).body.status

describe.skipIf(!enabled)('the container image', () => {
  beforeAll(() => buildImage(), BUILD_TIMEOUT_MS)

  it('runs node as PID 1 under an unprivileged user, with only the built server and production dependencies', async () => {
    const config = JSON.parse(await must('docker', ['image', 'inspect', '--format', '{{json .Config}}', IMAGE]))
    expect(config.User).toBe('node')
    expect(config.Cmd).toEqual(['node', 'dist/server.js'])
    expect(config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'DATA_DIR=/data']))
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/data'])
    expect(config.Healthcheck.Test[0]).toBe('CMD')

    const files = await must('docker', ['run', '--rm', '--network', 'none', IMAGE, 'ls', '-A', '/app', '/app/node_modules'])
    const [app, modules] = files.split('\n\n').map((list) => list.split('\n').slice(1).filter(Boolean))
    expect(app).toEqual(['dist', 'node_modules', 'package.json', 'public'])
    expect(modules).toEqual(expect.arrayContaining(['fastify', 'better-sqlite3', 'socket.io', 'ioredis']))
    for (const dev of ['typescript', 'vitest', 'tsx', 'socket.io-client', 'bullmq']) expect(modules).not.toContain(dev)

    const { name } = await startContainer(await volume())
    expect(await must('docker', ['exec', name, 'cat', '/proc/1/cmdline'])).toBe('node\0dist/server.js\0')
    expect((await must('docker', ['exec', name, 'id', '-u'])).trim()).toBe('1000')
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('delivers a postback to a receiver on the host, keeps the SQLite file on /data and reports healthy', async () => {
    const receiver = own(await startReceiver(() => ({ status: 200, body: 'ok' })))
    const { name, url } = await startContainer(await volume())

    const id = await queue(url, receiver.url(), { hello: 'container' })
    const [delivered] = await receiver.waitForRequests(1, 60_000)
    expect(JSON.parse(delivered!.body)).toEqual({ hello: 'container' })
    expect(delivered!.headers['webhook-id']).toBe(id)
    await waitFor(async () => (await statusOf(url, id)) === 'completed', { what: 'the postback to complete' })

    expect(await must('docker', ['exec', name, 'ls', '/data'])).toContain('postbacks.sqlite')
    // The image's own HEALTHCHECK (every 10 s) asks /health from inside the container.
    await waitFor(async () => (await inspect(name, '{{.State.Health.Status}}')) === 'healthy', {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'Docker to report the container healthy',
    })
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('exits 0 on `docker stop` during a slow delivery, and a new container on the same volume delivers it', async () => {
    const shutdownMs = 3000
    const receiver = own(await startReceiver((_request, index) => (index === 0 ? { hang: true } : { status: 200 })))
    const data = await volume()
    const first = await startContainer(data, { SHUTDOWN_TIMEOUT_MS: String(shutdownMs) })
    const id = await queue(first.url, receiver.url(), { n: 1 })
    await receiver.waitForRequests(1, 60_000)

    // SIGTERM, then SIGKILL (exit 137) if still running after twice the time the service promises
    // (SHUTDOWN_TIMEOUT_MS + 2 s): exit code 0 means it drained and exited by itself.
    const graceSeconds = String(2 * Math.ceil(shutdownMs / 1000 + 2))
    await must('docker', ['stop', '--time', graceSeconds, first.name])
    expect(await inspect(first.name, '{{.State.ExitCode}} {{.State.OOMKilled}}')).toBe('0 false')
    expect(await must('docker', ['logs', first.name])).toContain('"signal":"SIGTERM"')
    await must('docker', ['rm', first.name])

    const second = await startContainer(data, { SHUTDOWN_TIMEOUT_MS: String(shutdownMs) })
    const requests = await receiver.waitForRequests(2, 60_000)
    expect(requests[1]!.headers['webhook-id']).toBe(id)
    await waitFor(async () => (await statusOf(second.url, id)) === 'completed', { what: 'the postback to complete' })
  }, CONTAINER_TEST_TIMEOUT_MS)
})
