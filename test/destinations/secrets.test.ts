// Signing secrets that cannot sign, on both stores (SPEC §4.3, §7): refused when given to the API,
// skipped when an earlier version stored one, and never counted as the receiver's failure.
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn, postbackOf } from '../helpers/postbacks.js'
import { startReceiver, signatureHeaders } from '../helpers/receiver.js'
import { storesUnderTest } from '../helpers/redis.js'
import { writeStoredLayout, type StoredFields } from '../helpers/store-layout.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { newLocation } from '../stores/drivers.js'

const { own, defer } = cleanupAfterEach()
const path = (destination: string) => `/api/destinations/${encodeURIComponent(destination)}`
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const secretOf = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`

describe.each(await storesUnderTest())('signing secrets (%s store)', (store) => {
  const enqueue = async (app: TestApp, body: object) => {
    const response = await app.api('/api/queue/postback', { body })
    expect(response.status).toBe(200)
    return response.body.queueId as string
  }

  /** An app started on a store where `destination` already has these fields, as an earlier version wrote them. */
  async function startWithStored(destination: string, fields: StoredFields, env: Record<string, string> = {}): Promise<TestApp> {
    const location = await newLocation(store)
    defer(() => location.remove())
    await writeStoredLayout(location, { destinations: { [destination]: fields } })
    return own(await startApp({ ...location.env, ...env }))
  }

  const signingProblems = async (app: TestApp) =>
    ((await app.api('/health')).body.problems as { code: string; message: string }[]).filter((p) => p.code === 'SIGNING_SECRET_INVALID')

  it('refuses a secret that does not decode, or a new one under 24 bytes, with 400 naming the field and what is allowed', async () => {
    const app = own(await startApp({ STORE: store }))
    const destination = 'https://api.example.com:443'
    for (const secret of ['whsec_=', 'whsec_a', 'whsec_QQ', 'whsec_QR==', 'whsec_QUJD====', `whsec_=${'QUJD'.repeat(8)}`]) {
      const response = await app.api(`${path(destination)}/secret`, { body: { secret } })
      expect(response.status, secret).toBe(400)
      expect(response.body.error).toBe('VALIDATION_ERROR')
      expect(response.body.message).toMatch(/^secret must be whsec_ followed by standard base64/)
      expect(response.body.message).not.toContain(secret)
    }
    const short = await app.api(`${path(destination)}/secret`, { body: { secret: secretOf(23) } })
    expect(short.status).toBe(400)
    expect(short.body.message).toMatch(/^secret must .*at least 24 bytes.*\(got 23\)/)
    expect((await app.api(`${path(destination)}/secret`)).status).toBe(404)

    const good = await app.api(`${path(destination)}/secret`, { body: { secret: secretOf(24) } })
    expect(good.status).toBe(200)
    expect((await app.api(`${path(destination)}/secret`)).body).toEqual({ secret: secretOf(24) })
  })

  it('signs with the other secret when a stored one does not decode, and lists the problem in /health', async () => {
    const receiver = own(await startReceiver())
    const destination = `http://127.0.0.1:${receiver.port}`
    const app = await startWithStored(destination, { secret: 'whsec_a', previous_secret: SECRET, rotated_at: Date.now() })
    await enqueue(app, { postbackUrl: receiver.url(), payload: { n: 1 } })
    const [request] = await receiver.waitForRequests(1)
    const headers = signatureHeaders(request!)
    expect(headers['webhook-signature'].split(' ')).toHaveLength(1)
    expect(new Webhook(SECRET).verify(request!.body, headers)).toEqual({ n: 1 })

    const health = await app.api('/health')
    expect(health.status).toBe(200)
    expect(health.body.status).toBe('degraded')
    const [problem] = await signingProblems(app)
    expect(problem!.message).toContain(destination)
    expect(JSON.stringify(health.body)).not.toContain('whsec_a')
  })

  it('sends nothing and counts nothing while no stored secret decodes, and delivers once a good one is set', async () => {
    const receiver = own(await startReceiver())
    const destination = `http://127.0.0.1:${receiver.port}`
    const app = await startWithStored(destination, { secret: 'whsec_=', rotated_at: Date.now() - 2 * 86_400_000 }, {
      POSTBACK_MAX_ATTEMPTS: '2',
      DESTINATION_QUARANTINE_AFTER_MS: '1',
      DESTINATION_PROBE_MS: '200',
    })
    const ids: string[] = []
    for (let n = 0; n < 6; n++) ids.push(await enqueue(app, { postbackUrl: receiver.url(), payload: { n } }))
    const waiting = await waitFor(
      async () => {
        const postback = await postbackOf(app, ids[0]!)
        return postback.lastError !== null && postback
      },
      { what: 'the first postback to say why it waits' },
    )
    expect(waiting.lastError).toMatch(/^SIGNING_SECRET_INVALID: .*POST \/api\/destinations\/:destination\/secret/)
    // A sleep only to show that nothing is sent, spent or counted meanwhile.
    await sleep(600)
    // Tried again every DESTINATION_PROBE_MS, a postback may be caught between its claim and its hand-back.
    for (const id of ids) {
      expect(await postbackOf(app, id)).toMatchObject({ status: expect.stringMatching(/^(pending|processing)$/), attempts: [], retries: 0 })
    }
    expect(receiver.requests).toHaveLength(0)
    expect((await app.api(path(destination))).body).toMatchObject({ state: 'active', lastError: expect.stringMatching(/^SIGNING_SECRET_INVALID/) })
    expect(await signingProblems(app)).toHaveLength(1)

    const rotated = await app.api(`${path(destination)}/secret`, { method: 'POST' })
    expect(rotated.status).toBe(200)
    for (const id of ids) expect((await postbackIn(app, id, ['completed'])).attempts).toHaveLength(1)
    for (const request of receiver.requests) {
      expect(new Webhook(rotated.body.secret).verify(request.body, signatureHeaders(request))).toMatchObject({ n: expect.any(Number) })
    }
    await waitFor(async () => (await signingProblems(app)).length === 0, { what: 'the /health problem to clear' })
  })
})
