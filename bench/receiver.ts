// The loopback receiver of the benchmarks, in a process of its own. /hang never answers; every
// other path answers 200 at once. It counts requests and, when a body carries `sentAt`, how long
// after that moment the request arrived.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerRequests } from './lib/processes.js'
import { now } from './lib/stats.js'

let count = 0
let firstAt = 0
let lastAt = 0
let latencies: number[] = []
let waiting: { target: number; resolve: () => void } | undefined

const server = createServer((req, res) => {
  if (req.url?.startsWith('/hang')) return
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    const at = now()
    if (count === 0) firstAt = at
    lastAt = at
    count++
    const sentAt = /"sentAt":([\d.]+)/.exec(body)?.[1]
    if (sentAt) latencies.push(at - Number(sentAt))
    res.end('ok')
    if (waiting && count >= waiting.target) {
      waiting.resolve()
      waiting = undefined
    }
  })
})
server.keepAliveTimeout = 60_000

answerRequests({
  reset() {
    count = 0
    latencies = []
    return true
  },
  /** Resolves once `count` requests arrived since the last reset. */
  async expect({ count: target }: { count: number }) {
    if (count < target) await new Promise<void>((resolve) => (waiting = { target, resolve }))
    return { count, firstAt, lastAt, latencies }
  },
})

server.listen(0, '127.0.0.1', () => {
  console.log(`listening at http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
