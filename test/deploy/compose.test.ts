// docker-compose.yml (Redis, two STORE=redis instances, nginx) and docker-compose.sqlite.yml, run
// with docker-compose 1.29 on the host's network against receivers and sockets on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'
import { connect, nextEvent } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'
import { clusterPorts, composeProject, type ComposeProject } from './helpers/compose.js'
import { freePort } from '../helpers/ports.js'
import { BUILD_TIMEOUT_MS, CONTAINER_TEST_TIMEOUT_MS, buildImage, containerTestsRun, healthy, inspect } from './helpers/docker.js'

const enabled = await containerTestsRun(['docker', 'docker-compose'])
const { defer, own } = cleanupAfterEach()

const queue = async (url: string, postbackUrl: string, payload: object) => {
  const { status, body } = await request(url, '/api/queue/postback', { body: { postbackUrl, payload } })
  expect(status).toBe(200)
  return body.queueId as string
}

const completed = (url: string, id: string) =>
  waitFor(async () => (await request(url, `/api/queue/postback/${id}`)).body.status === 'completed', {
    timeoutMs: 60_000,
    what: `postback ${id} to complete`,
  })

describe.skipIf(!enabled)('docker-compose.yml: Redis, two instances and nginx', () => {
  let project: ComposeProject
  let nginx: string
  let a: string
  let b: string

  beforeAll(async () => {
    await buildImage()
    const ports = await clusterPorts()
    project = await composeProject('docker-compose.yml', { ...ports, SHUTDOWN_TIMEOUT_MS: '3000' })
    ;[nginx, a, b] = [ports.QSP_PORT, ports.QSP_PORT_A, ports.QSP_PORT_B].map((port) => `http://127.0.0.1:${port}`) as [string, string, string]
    await project.compose(['up', '--detach', '--no-build'])
    for (const url of [a, b, nginx]) await healthy(url)
  }, BUILD_TIMEOUT_MS)

  afterAll(() => project?.down(), CONTAINER_TEST_TIMEOUT_MS)

  it('starts both instances on the Redis store behind nginx, with Redis writing its append-only file', async () => {
    for (const url of [a, b, nginx]) expect((await request(url, '/health')).body).toMatchObject({ status: 'ok', store: 'redis' })
    const redis = await project.container('redis')
    const appendonly = await project.compose(['exec', '-T', 'redis', 'redis-cli', '-p', project.env.QSP_REDIS_PORT!, 'config', 'get', 'appendonly'])
    expect(appendonly.split('\n').map((line) => line.trim())).toEqual(['appendonly', 'yes', ''])
    expect(await inspect(redis, '{{.State.Health.Status}}')).toBe('healthy')
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('delivers postbacks queued through nginx and through either instance, each read the same everywhere', async () => {
    const receiver = own(await startReceiver())
    const ids = [await queue(nginx, receiver.url(), { via: 'nginx' }), await queue(b, receiver.url(), { via: 'b' })]
    const requests = await receiver.waitForRequests(2, 60_000)
    expect(requests.map((r) => JSON.parse(r.body).via).sort()).toEqual(['b', 'nginx'])
    for (const id of ids) await completed(a, id)
    expect(receiver.requests).toHaveLength(2)
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('sends an event dispatched through instance B to a socket on instance A', async () => {
    const { socket } = await connect(a, { channel: 'deploy-a' })
    defer(() => socket.close())
    const event = nextEvent(socket, 'notification', 30_000)
    const { status, body } = await request(b, '/api/socket/dispatch', {
      body: { channel: 'deploy-a', event: 'notification', data: { from: 'b' } },
    })
    expect(status).toBe(200)
    expect(body.dispatchedCount).toBe(1)
    expect((await event).data).toEqual({ from: 'b' })
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('keeps a long-polling client on one instance through nginx (sticky) and upgrades it to a WebSocket', async () => {
    const { socket } = await connect(nginx, { channel: 'deploy-nginx' }, { transports: ['polling', 'websocket'] })
    defer(() => socket.close())
    await waitFor(() => socket.io.engine.transport.name === 'websocket', { timeoutMs: 30_000, what: 'the upgrade to a WebSocket' })
    const event = nextEvent(socket, 'notification', 30_000)
    const { body } = await request(nginx, '/api/socket/dispatch', {
      body: { channel: 'deploy-nginx', event: 'notification', data: { through: 'nginx' } },
    })
    expect(body.dispatchedCount).toBe(1)
    expect((await event).data).toEqual({ through: 'nginx' })
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('restarts an instance that exited without Redis, and keeps what Redis wrote to its append-only file', async () => {
    const receiver = own(await startReceiver())
    const id = await queue(a, receiver.url(), { before: 'outage' })
    await completed(a, id)

    // SIGKILL: nothing is saved on the way out, so what survives was in the append-only file.
    const redis = await project.container('redis')
    await project.compose(['kill', 'redis'])
    const instance = await project.container('qsp-b')
    await project.compose(['restart', '--timeout', '15', 'qsp-b'])
    await waitFor(async () => Number(await inspect(instance, '{{.RestartCount}}')) > 0, {
      timeoutMs: 60_000,
      what: 'Docker to restart the instance that could not reach Redis',
    })

    await project.compose(['start', 'redis'])
    await waitFor(async () => (await inspect(redis, '{{.State.Health.Status}}')) === 'healthy', { timeoutMs: 60_000, what: 'Redis' })
    for (const url of [a, b]) await healthy(url)
    expect((await request(b, `/api/queue/postback/${id}`)).body).toMatchObject({ id, status: 'completed' })
  }, CONTAINER_TEST_TIMEOUT_MS)

  it('stops every instance with exit code 0 on `docker-compose stop`', async () => {
    const instances = [await project.container('qsp-a'), await project.container('qsp-b')]
    await project.compose(['stop'])
    for (const id of instances) expect(await inspect(id, '{{.State.ExitCode}} {{.State.OOMKilled}}')).toBe('0 false')
  }, CONTAINER_TEST_TIMEOUT_MS)
})

describe.skipIf(!enabled)('docker-compose.sqlite.yml: one instance', () => {
  let project: ComposeProject
  let url: string

  beforeAll(async () => {
    await buildImage()
    const port = String(await freePort())
    project = await composeProject('docker-compose.sqlite.yml', { QSP_PORT: port, QSP_HOST: '127.0.0.1' })
    url = `http://127.0.0.1:${port}`
  }, BUILD_TIMEOUT_MS)

  afterAll(() => project?.down(), CONTAINER_TEST_TIMEOUT_MS)

  it('delivers a postback and still has it after `down` and `up` on the same volume', async () => {
    const receiver = own(await startReceiver())

    await project.compose(['up', '--detach', '--no-build'])
    expect(await healthy(url)).toMatchObject({ status: 'ok', store: 'sqlite' })
    const id = await queue(url, receiver.url(), { store: 'sqlite' })
    await receiver.waitForRequests(1, 60_000)
    await completed(url, id)

    await project.compose(['down'])
    await project.compose(['up', '--detach', '--no-build'])
    await healthy(url)
    expect((await request(url, `/api/queue/postback/${id}`)).body).toMatchObject({ id, status: 'completed' })
  }, CONTAINER_TEST_TIMEOUT_MS)
})
