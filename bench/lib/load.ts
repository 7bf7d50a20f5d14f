// Load generators: autocannon for HTTP request rates, a raw keep-alive client as the delivery
// baseline, and the enqueue calls the scenarios share.
import autocannon from 'autocannon'
import { Pool } from 'undici'
import { TOKEN } from './processes.js'
import { now } from './stats.js'

export interface RateResult {
  requestsPerSecond: number
  p99Ms: number
  errors: number
}

/** POSTs `body` to `url` over `connections` connections, for `seconds` or `amount` requests. */
export async function hammer(
  url: string,
  body: unknown,
  { connections, seconds, amount }: { connections: number; seconds?: number; amount?: number },
): Promise<RateResult> {
  const startedAt = now()
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    ...(amount ? { amount } : { duration: seconds ?? 5 }),
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return {
    // Over the whole run, not the average of per-second samples, so short runs count fully.
    requestsPerSecond: result.requests.total / ((now() - startedAt) / 1000),
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  }
}

/** The raw baseline: `count` POSTs of `body` to `url` over `concurrency` keep-alive connections. */
export async function rawPosts(url: string, body: unknown, count: number, concurrency: number): Promise<number> {
  const target = new URL(url)
  const pool = new Pool(target.origin, { connections: concurrency })
  const payload = JSON.stringify(body)
  const startedAt = now()
  let sent = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++
        const { body: answer } = await pool.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
          body: payload,
        })
        await answer.dump()
      }
    }),
  )
  await pool.close()
  return startedAt
}

/** One authenticated JSON call to the service. */
export async function call(baseUrl: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(baseUrl + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return response.json()
}
