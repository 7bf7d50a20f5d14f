// Realtime beyond one channel: one dispatch to 100 channels against 100 single dispatches (and
// bare Socket.IO's io.to(rooms)), the durable inbox's dispatch rate against a plain dispatch, and
// the time a connecting client takes to be replayed 100 stored messages.
import { io } from 'socket.io-client'
import { hammer } from '../lib/load.js'
import { ask, startScript, startService, TOKEN, type Started } from '../lib/processes.js'
import { median, now } from '../lib/stats.js'

export interface RealtimeSizes {
  rounds: number
  /** sockets spread evenly over the 100 channels */
  channelSockets: number
  rateSeconds: number
  replayed: number
}

const CHANNELS = Array.from({ length: 100 }, (_, i) => `bench-${i}`)

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as { dispatchedCount: number }
}

/** ms from the first trigger until every client received `event`. */
async function timeToAll(clients: Started, event: string, trigger: () => Promise<unknown>): Promise<number> {
  await ask(clients.child, { type: 'arm', event })
  const startedAt = now()
  await trigger()
  const { lastAt } = await ask<{ lastAt: number }>(clients.child, { type: 'received' })
  return lastAt - startedAt
}

export interface ManyChannels {
  /** one dispatch with channels: [100 channels] */
  one: number
  /** 100 dispatches, one per channel, one after another */
  loop: number
}

/** Fan-out to 100 channels; `loop` is measured on our service only (bare Socket.IO has no such call to save). */
export async function manyChannelsFanOut(kind: 'ours' | 'bare', sizes: RealtimeSizes, env: Record<string, string> = {}): Promise<ManyChannels> {
  const server = kind === 'ours' ? await startService(env) : await startScript('baselines/bare-socketio.ts', { API_TOKEN: TOKEN })
  const clients = await startScript('socket-clients.ts')
  try {
    await ask(clients.child, { type: 'connect', url: server.url, token: TOKEN, channel: 'bench', count: sizes.channelSockets, channels: CHANNELS.length })
    const route = server.url + (kind === 'ours' ? '/api/socket/dispatch' : '/emit')
    const one: number[] = []
    const loop: number[] = []
    for (let i = 0; i < sizes.rounds * 3; i++) {
      one.push(
        await timeToAll(clients, `many-${i}`, async () => {
          const { dispatchedCount } = await post(route, { channels: CHANNELS, event: `many-${i}`, data: { i } })
          if (dispatchedCount !== sizes.channelSockets) throw new Error(`dispatched to ${dispatchedCount} of ${sizes.channelSockets}`)
        }),
      )
      if (kind === 'bare') continue
      loop.push(
        await timeToAll(clients, `loop-${i}`, async () => {
          for (const channel of CHANNELS) await post(route, { channel, event: `loop-${i}`, data: { i } })
        }),
      )
    }
    return { one: median(one), loop: median(loop) }
  } finally {
    await clients.stop()
    await server.stop()
  }
}

/** Dispatches per second to one offline user, durable and plain, over 50 connections. */
export async function durableRate(sizes: RealtimeSizes, env: Record<string, string> = {}): Promise<{ durable: number; plain: number }> {
  const server = await startService({ SOCKET_INBOX_MAX_PER_USER: '1000000', ...env })
  try {
    const url = `${server.url}/api/socket/dispatch`
    const body = { userId: 'offline-user', event: 'invoice.ready', data: { id: 7, note: 'inbox rate' } }
    const durable: number[] = []
    const plain: number[] = []
    for (let round = 0; round < sizes.rounds; round++) {
      plain.push((await hammer(url, body, { connections: 50, seconds: sizes.rateSeconds })).requestsPerSecond)
      const stored = await hammer(url, { ...body, durable: true }, { connections: 50, seconds: sizes.rateSeconds })
      if (stored.errors > 0) throw new Error(`${stored.errors} durable dispatches failed`)
      durable.push(stored.requestsPerSecond)
    }
    return { durable: median(durable), plain: median(plain) }
  } finally {
    await server.stop()
  }
}

/** ms from opening a connection until `count` messages arrived (never acked, so every round gets them all). */
function replayOnce(url: string, query: Record<string, string>, count: number): Promise<number> {
  const startedAt = now()
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: TOKEN }, query })
  let received = 0
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${received} of ${count} replayed`)), 30_000)
    socket.on('note', () => {
      if (++received < count) return
      clearTimeout(timer)
      socket.close()
      resolve(now() - startedAt)
    })
  })
}

/** Connect-time replay of `replayed` stored messages, against bare Socket.IO sending as many from memory on connect. */
export async function replayTime(sizes: RealtimeSizes, env: Record<string, string> = {}): Promise<{ ours: number; bare: number }> {
  const ours = await startService(env)
  const bare = await startScript('baselines/bare-socketio.ts', { API_TOKEN: TOKEN })
  try {
    for (let i = 0; i < sizes.replayed; i++) {
      await post(`${ours.url}/api/socket/dispatch`, { userId: 'replay-user', event: 'note', data: { i }, durable: true })
    }
    const oursTimes: number[] = []
    const bareTimes: number[] = []
    for (let round = 0; round < sizes.rounds * 5; round++) {
      oursTimes.push(await replayOnce(ours.url, { userId: 'replay-user' }, sizes.replayed))
      bareTimes.push(await replayOnce(bare.url, { replay: String(sizes.replayed) }, sizes.replayed))
    }
    return { ours: median(oursTimes), bare: median(bareTimes) }
  } finally {
    await bare.stop()
    await ours.stop()
  }
}
