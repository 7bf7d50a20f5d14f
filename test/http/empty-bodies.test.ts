// Many HTTP clients send Content-Type: application/json with every request, an empty body
// included: a route that takes no body, or whose body is optional, takes that as no body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'

let app: TestApp
let gone: Receiver

beforeAll(async () => {
  gone = await startReceiver(() => ({ status: 410 }))
  app = await startApp()
})
afterAll(async () => {
  await app.close()
  await gone.close()
})

const JSON_TYPE = { 'content-type': 'application/json' }
const destination = '/api/destinations/https%3A%2F%2Fempty.example'

/** A request with Content-Type: application/json and an empty body (or only whitespace). */
const bare = (method: string, path: string, body = '') => app.api(path, { method, body, headers: JSON_TYPE })

describe('an empty body with Content-Type: application/json', () => {
  it('re-queues a failed postback', async () => {
    const { body } = await app.api('/api/queue/postback', { body: { postbackUrl: gone.url(), payload: {} } })
    await postbackIn(app, body.queueId, ['failed'])
    const response = await bare('POST', `/api/queue/postback/${body.queueId}/retry`)
    expect(response.status).toBe(200)
    expect(response.body.id).toBe(body.queueId)
  })

  it('re-queues every failed postback when the filter is left out', async () => {
    const response = await bare('POST', '/api/queue/postback/retry')
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ success: true, count: expect.any(Number) })
  })

  it('cancels a pending postback', async () => {
    const { body } = await app.api('/api/queue/postback', { body: { postbackUrl: gone.url(), payload: {}, delayMs: 60_000 } })
    const response = await bare('DELETE', `/api/queue/postback/${body.queueId}`)
    expect(response.status).toBe(200)
    expect(response.body.status).toBe('canceled')
  })

  it('pauses and resumes a destination, and makes it a secret', async () => {
    expect((await bare('POST', `${destination}/pause`)).body.state).toBe('paused')
    expect((await bare('POST', `${destination}/resume`)).body.state).toBe('active')
    const secret = await bare('POST', `${destination}/secret`, ' \n')
    expect(secret.status).toBe(200)
    expect(secret.body.secret).toMatch(/^whsec_/)
    expect((await bare('DELETE', `${destination}/secret`)).status).toBe(200)
  })

  it('clears a user’s inbox', async () => {
    const response = await bare('DELETE', '/api/socket/users/nobody/inbox')
    expect(response.status).toBe(200)
    expect(response.body.deletedCount).toBe(0)
  })

  it('is still refused where a body is required, naming the body', async () => {
    for (const path of ['/api/queue/postback', '/api/socket/dispatch', '/api/socket/token']) {
      const response = await bare('POST', path)
      expect(response.status, path).toBe(400)
      expect(response.body, path).toEqual({ error: 'VALIDATION_ERROR', message: 'body is required: a JSON object' })
    }
  })
})
