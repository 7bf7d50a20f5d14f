// A real HTTP receiver on 127.0.0.1 that records every request and answers as told.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo, LookupFunction } from 'node:net'
import { sleep } from './wait.js'

export interface ReceivedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  body: string
  receivedAt: number
}

export interface Reply {
  status?: number
  headers?: Record<string, string>
  body?: string
  /** wait this long before answering */
  delayMs?: number
  /** never answer (the connection is dropped when the receiver closes) */
  hang?: boolean
}

export type Responder = (request: ReceivedRequest, index: number) => Reply | Promise<Reply>

export interface Receiver {
  url: (path?: string) => string
  port: number
  requests: ReceivedRequest[]
  /** Resolves with the requests once at least `count` arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>
  respondWith(responder: Responder): void
  close(): Promise<void>
}

/** A delivery's Standard Webhooks headers, as a verifier takes them. */
export const signatureHeaders = (request: ReceivedRequest) => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature']),
})

/** Resolves every name to 127.0.0.1, like a DNS entry pointing at the receivers' (and the service's own) host. */
export const toLoopback: LookupFunction = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
  options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)) as LookupFunction

/** `host` is 127.0.0.1 unless a test needs the receiver on another interface. */
export async function startReceiver(responder: Responder = () => ({ status: 200 }), host = '127.0.0.1'): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const waiters = new Set<() => void>()
  let respond = responder

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => void answer())
    async function answer(): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://receiver')
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      }
      const index = requests.push(received) - 1
      for (const wake of waiters) wake()
      const reply = await respond(received, index)
      if (reply.hang) return
      if (reply.delayMs) await sleep(reply.delayMs)
      if (res.destroyed) return
      res.writeHead(reply.status ?? 200, reply.headers ?? {})
      res.end(reply.body ?? '')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo

  return {
    port,
    url: (path = '/hook') => `http://${host}:${port}${path}`,
    requests,
    respondWith(next) {
      respond = next
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return
          cleanup()
          resolve(requests.slice())
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
