import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { request, startApp } from '../helpers/app.js'
import { startReceiver } from '../helpers/receiver.js'
import { connect } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const app = async () => own(await startApp({ POSTBACK_MAX_ATTEMPTS: '1' }))
const receiver = async (...args: Parameters<typeof startReceiver>) => own(await startReceiver(...args))

/** The value of one sample in Prometheus text, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

describe('GET /metrics', () => {
  it('needs the API token', async () => {
    const service = await app()
    expect((await request(service.url, '/metrics', { token: null })).status).toBe(401)
  })

  it('counts postbacks, attempts, dispatches and sockets, with process metrics', async () => {
    const service = await app()
    const ok = await receiver()
    const gone = await receiver(() => ({ status: 410 }))
    const hanging = await receiver(() => ({ hang: true }))
    const { socket } = await connect(service.url, { channel: 'm' })
    own(socket)
    await service.api('/api/queue/postback', { body: { postbackUrl: ok.url(), payload: {} } })
    await service.api('/api/queue/postback', { body: { postbackUrl: gone.url(), payload: {} } })
    await service.api('/api/queue/postback', { body: { postbackUrl: hanging.url(), payload: {} } })
    await service.api('/api/socket/dispatch', { body: { channel: 'm', event: 'e' } })
    await hanging.waitForRequests(1)
    await waitFor(async () => (await service.api('/api/queue/stats')).body.counts.failed === 1)
    await waitFor(async () => (await service.api('/api/queue/stats')).body.counts.completed === 1)

    const response = await service.api('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = response.body as string
    expect(sample(text, 'qsp_postbacks_enqueued_total')).toBe(3)
    expect(sample(text, 'qsp_postbacks_delivered_total')).toBe(1)
    expect(sample(text, 'qsp_postbacks_failed_total')).toBe(1)
    expect(sample(text, 'qsp_postback_attempt_duration_seconds_count', '{outcome="completed"}')).toBe(1)
    expect(sample(text, 'qsp_postback_attempt_duration_seconds_count', '{outcome="failed"}')).toBe(1)
    expect(sample(text, 'qsp_postbacks', '{status="completed"}')).toBe(1)
    expect(sample(text, 'qsp_postbacks', '{status="processing"}')).toBe(1)
    expect(sample(text, 'qsp_postback_deliveries_in_flight')).toBe(1)
    expect(sample(text, 'qsp_destination_deliveries_in_flight', `{destination="http://127.0.0.1:${hanging.port}"}`)).toBe(1)
    expect(sample(text, 'qsp_destination_limit', `{destination="http://127.0.0.1:${hanging.port}"}`)).toBe(4)
    expect(sample(text, 'qsp_sockets_connected')).toBe(1)
    expect(sample(text, 'qsp_store_up')).toBe(1)
    expect(sample(text, 'qsp_dispatches_total')).toBe(1)
    expect(sample(text, 'qsp_dispatched_sockets_total')).toBe(1)
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)
  })

  it('keeps each app’s metrics apart', async () => {
    const one = await app()
    const two = await app()
    const target = await receiver()
    await one.api('/api/queue/postback', { body: { postbackUrl: target.url(), payload: {} } })
    expect(sample((await one.api('/metrics')).body, 'qsp_postbacks_enqueued_total')).toBe(1)
    expect(sample((await two.api('/metrics')).body, 'qsp_postbacks_enqueued_total')).toBe(0)
  })
})

describe('GET /docs', () => {
  it('serves an OpenAPI 3.1 document that a strict validator accepts', async () => {
    const service = await app()
    const doc = (await request(service.url, '/docs/json', { token: null })).body
    expect(doc.openapi).toBe('3.1.0')
    // The validator dereferences in place: it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy()
  })

  it('serves an OpenAPI document in which every route has its request, responses, errors and an example', async () => {
    const service = await app()
    const response = await request(service.url, '/docs/json', { token: null })
    expect(response.status).toBe(200)
    const doc = response.body
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    )
    expect(operations.length).toBe(29)
    expect(operations.map((o) => o.path)).not.toContain('/dashboard')
    for (const { path, method, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`
      expect(operation.summary, where).toBeTruthy()
      expect(operation.tags, where).toHaveLength(1)
      expect(operation.responses['200'], where).toBeDefined()
      const text = JSON.stringify(operation)
      expect(text, where).toMatch(/"examples?"/)
      if (path !== '/health') expect(operation.responses['401'], where).toBeDefined()
      const bodiless = path.endsWith('/retry') || path.endsWith('/pause') || path.endsWith('/resume')
      if ((method === 'post' || method === 'patch') && !bodiless) expect(operation.requestBody, where).toBeDefined()
      if (path.includes('{')) expect(operation.parameters?.some((p: any) => p.in === 'path'), where).toBe(true)
      for (const [status, answer] of Object.entries<any>(operation.responses)) {
        if (Number(status) >= 400 && path !== '/health') {
          expect(answer.content['application/json'].schema.required, `${where} ${status}`).toEqual(['error', 'message'])
        }
      }
    }
    expect(doc.paths['/health'].get.security).toEqual([])
  })
})
