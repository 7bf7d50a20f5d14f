import type { LookupFunction } from 'node:net'
import { networkInterfaces } from 'node:os'
import { blockedKind } from '../../src/postbacks/delivery/ip-ranges.js'
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, toLoopback } from '../helpers/receiver.js'
import { sleep, waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()
const receive = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

const LITERAL_TARGETS = [
  'http://127.0.0.1/hook',
  'http://127.1/hook',
  'http://2130706433/hook',
  'http://0x7f.0.0.1/hook',
  'http://0177.0.0.01/hook',
  'http://localhost:3000/hook',
  'http://LocalHost./hook',
  'http://app.localhost/hook',
  'http://[::1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:7f00:1]/hook',
  'http://[64:ff9b::a00:1]/hook',
  'http://0.0.0.0/hook',
  'http://[::]/hook',
  'http://10.0.0.1/hook',
  'http://172.16.0.1/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://[fe80::1]/hook',
]

const enqueue = (app: TestApp, url: string) => app.api('/api/queue/postback', { body: { postbackUrl: url, payload: {} } })

describe('SSRF guard (on by default)', () => {
  it('refuses every spelling of a local or private literal at enqueue with 400', async () => {
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'false' }))
    for (const url of LITERAL_TARGETS) {
      const response = await enqueue(app, url)
      expect(response.status, url).toBe(400)
      expect(response.body.error).toBe('VALIDATION_ERROR')
      expect(response.body.message).toMatch(/^postbackUrl is not allowed: .*POSTBACK_ALLOW_PRIVATE_NETWORKS=true/)
    }
  })

  it('accepts all of them when POSTBACK_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true', POSTBACK_TIMEOUT_MS: '100', POSTBACK_MAX_ATTEMPTS: '1' }))
    for (const url of LITERAL_TARGETS) expect((await enqueue(app, url)).status, url).toBe(200)
  })

  it('fails for good, without retries, a hostname that resolves to loopback at connect time', async () => {
    const receiver = await receive()
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'false', POSTBACK_MAX_ATTEMPTS: '5' }, { lookup: toLoopback }))
    const { body } = await enqueue(app, `http://internal.example:${receiver.port}/hook`)
    const postback = await postbackIn(app, body.queueId, ['failed'])
    expect(postback.retries).toBe(0)
    expect(postback.attempts).toHaveLength(1)
    expect(postback.lastError).toMatch(/internal\.example resolves to 127\.0\.0\.1, a loopback address/)
    await sleep(200)
    expect(receiver.requests).toHaveLength(0)
  })

  it('delivers to that same hostname when private networks are allowed', async () => {
    const receiver = await receive()
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true' }, { lookup: toLoopback }))
    await enqueue(app, `http://internal.example:${receiver.port}/hook`)
    const [request] = await receiver.waitForRequests(1)
    expect(request!.headers.host).toBe(`internal.example:${receiver.port}`)
  })

  it('never follows a redirect, so a redirect to loopback reaches nothing there', async () => {
    const inside = await startReceiver()
    // A redirector the guard lets through: this machine's own non-loopback, non-private address
    // if it has one; otherwise the guard is switched off to reach the redirector on loopback.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal && blockedKind(i.address) === undefined)
    const redirector = await startReceiver(() => ({ status: 302, headers: { location: inside.url('/admin') } }), external?.address ?? '127.0.0.1')
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: external ? 'false' : 'true', POSTBACK_MAX_ATTEMPTS: '1' }))
    try {
      const { body } = await enqueue(app, redirector.url('/hook'))
      const done = await postbackIn(app, body.queueId, ['failed'])
      expect(done).toMatchObject({ lastStatusCode: 302, lastError: 'HTTP 302 Found: redirects are not followed' })
      expect(redirector.requests).toHaveLength(1)
      await sleep(200)
      expect(inside.requests).toHaveLength(0)
    } finally {
      await inside.close()
      await redirector.close()
    }
  })

  it('never waits on DNS to answer an enqueue, and a lookup that hangs times out with the attempt', async () => {
    const never: LookupFunction = (() => undefined)
    const app = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'false', POSTBACK_TIMEOUT_MS: '300' }, { lookup: never }))
    const response = await enqueue(app, 'https://hangs.example/hook')
    expect(response.status).toBe(200)
    const attempt = await waitFor(async () => (await app.api(`/api/queue/postback/${response.body.queueId}`)).body.attempts[0])
    // Ended by the attempt's own deadline, not by the lookup.
    expect(attempt.error).toBe('Timed out after 300 ms')
    expect(attempt.durationMs).toBeGreaterThanOrEqual(290)
  })
})
