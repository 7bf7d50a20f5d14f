// Socket benchmarks: fan-out time to a channel and memory per idle socket, against a bare
// Socket.IO server given the same clients.
import { ask, startScript, startService, TOKEN, type Started } from '../lib/processes.js'
import { median, now } from '../lib/stats.js'

interface Clients extends Started {
  connect(url: string, count: number): Promise<number>
  /** Time from `trigger` until every client received `event`, in ms. */
  fanOut(event: string, trigger: () => Promise<unknown>): Promise<number>
  close(): Promise<void>
}

export async function startClients(): Promise<Clients> {
  const started = await startScript('socket-clients.ts')
  return {
    ...started,
    connect: (url, count) => ask(started.child, { type: 'connect', url, token: TOKEN, channel: 'bench', count }),
    async fanOut(event, trigger) {
      await ask(started.child, { type: 'arm', event })
      const startedAt = now()
      await trigger()
      const { lastAt } = await ask<{ lastAt: number }>(started.child, { type: 'received' })
      return lastAt - startedAt
    },
    close: async () => void (await ask(started.child, { type: 'close' })),
  }
}

type Server = 'ours' | 'bare'

async function startServer(kind: Server, env: Record<string, string>): Promise<Started> {
  return kind === 'ours' ? startService(env) : startScript('baselines/bare-socketio.ts', { API_TOKEN: TOKEN })
}

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as { dispatchedCount: number }
  if (!response.ok) throw new Error(JSON.stringify(answer))
  return answer
}

/** Median ms until all `sockets` clients in one channel received a dispatch. */
export async function fanOut(kind: Server, sockets: number, dispatches: number, env: Record<string, string> = {}): Promise<number> {
  const server = await startServer(kind, env)
  const clients = await startClients()
  try {
    await clients.connect(server.url, sockets)
    const route = kind === 'ours' ? '/api/socket/dispatch' : '/emit'
    const times: number[] = []
    for (let i = 0; i < dispatches; i++) {
      times.push(
        await clients.fanOut(`tick-${i}`, async () => {
          const { dispatchedCount } = await post(server.url + route, { channel: 'bench', event: `tick-${i}`, data: { i, note: 'fan-out' } })
          if (dispatchedCount !== sockets) throw new Error(`dispatched to ${dispatchedCount} of ${sockets}`)
        }),
      )
    }
    return median(times)
  } finally {
    await clients.stop()
    await server.stop()
  }
}

/** Bytes of server RSS per idle connected socket. */
export async function memoryPerSocket(kind: Server, sockets: number): Promise<number> {
  const server = await startServer(kind, {})
  const clients = await startClients()
  try {
    // Warm the server (first connections load code paths) before the measured batch.
    await clients.connect(server.url, 50)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const before = server.rss()
    await clients.connect(server.url, sockets)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    return (server.rss() - before) / sockets
  } finally {
    await clients.stop()
    await server.stop()
  }
}
