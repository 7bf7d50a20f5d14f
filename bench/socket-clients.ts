// Thousands of socket clients in one process, kept light: each is a bare WebSocket speaking just
// enough of the Engine.IO/Socket.IO protocol (open, connect with auth, ping/pong, events), with
// none of socket.io-client's per-connection machinery. They run apart from the server measured.
import WebSocket from 'ws'
import { answerRequests } from './lib/processes.js'
import { now } from './lib/stats.js'

let sockets: WebSocket[] = []
/** soak mode: latencies of `soak` events (their data carries sentAt) */
let soak = { count: 0, latencies: [] as number[] }
let watch: { prefix: string; seen: Set<WebSocket>; count: number; firstAt: number; lastAt: number; done?: () => void } | undefined

function open(url: string, token: string, channel: string, userId: string): Promise<WebSocket> {
  const query = new URLSearchParams({ EIO: '4', transport: 'websocket', channel, userId })
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?${query.toString()}`, { perMessageDeflate: false })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not connect')), 30_000)
    ws.on('error', reject)
    ws.on('message', (raw: Buffer) => {
      const packet = raw.toString()
      if (packet === '2') return ws.send('3') // Engine.IO ping → pong
      if (packet.startsWith('0')) return ws.send(`40${JSON.stringify({ token })}`) // open → Socket.IO connect
      if (packet.startsWith('40')) {
        clearTimeout(timer)
        return resolve(ws)
      }
      if (packet.startsWith('44')) return reject(new Error(`refused: ${packet}`))
      if (packet.startsWith('42["soak"')) {
        soak.count++
        const sentAt = /"sentAt":([\d.]+)/.exec(packet)?.[1]
        if (sentAt && soak.latencies.length < 100_000) soak.latencies.push(now() - Number(sentAt))
        return
      }
      if (watch && packet.startsWith(watch.prefix) && !watch.seen.has(ws)) {
        const at = now()
        watch.seen.add(ws)
        if (watch.seen.size === 1) watch.firstAt = at
        watch.lastAt = at
        if (watch.seen.size === watch.count) watch.done?.()
      }
    })
  })
}

answerRequests({
  /** Opens `count` sockets to `url`, spread over `channels` channels named `<channel>-<n>` (or all in `channel`). */
  async connect({ url, token, channel, count, channels, batch = 200 }: { url: string; token: string; channel: string; count: number; channels?: number; batch?: number }) {
    for (let i = 0; i < count; i += batch) {
      const size = Math.min(batch, count - i)
      const name = (n: number) => (channels ? `${channel}-${n % channels}` : channel)
      sockets.push(...(await Promise.all(Array.from({ length: size }, (_, j) => open(url, token, name(i + j), `user-${i + j}`)))))
    }
    return sockets.length
  },
  /** Soak events received since the last call, and their latencies. */
  soakStats() {
    const current = soak
    soak = { count: 0, latencies: [] }
    return current
  },
  /** Starts watching for `event`; `received` resolves once every socket got it. */
  arm({ event }: { event: string }) {
    watch = { prefix: `42["${event}"`, seen: new Set(), count: sockets.length, firstAt: 0, lastAt: 0 }
    return true
  },
  async received() {
    const current = watch!
    if (current.seen.size < current.count) await new Promise<void>((resolve) => (current.done = resolve))
    return { firstAt: current.firstAt, lastAt: current.lastAt, count: current.seen.size }
  },
  async close() {
    for (const ws of sockets) ws.terminate()
    sockets = []
    return true
  },
})

console.log('ready')
