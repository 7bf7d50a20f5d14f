// Real socket.io-client connections, closed by the test that opened them.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import WebSocket from 'ws'
import { TOKEN } from './app.js'

export interface Connected {
  socket: Socket
  info: { socketId: string; channel: string; userId: string; connectedAt: string }
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>

/** Connects with the API token (unless options say otherwise) and resolves on the `connected` event. */
export function connect(url: string, query: Record<string, string> = {}, options: ClientOptions = {}): Promise<Connected> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token: TOKEN },
    query,
    ...options,
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close()
      reject(new Error('socket did not connect in 5 s'))
    }, 5000)
    socket.once('connected', (info) => {
      clearTimeout(timer)
      resolve({ socket, info })
    })
    socket.once('connect_error', (error) => {
      clearTimeout(timer)
      socket.close()
      reject(error)
    })
  })
}

/** Resolves with the error a refused connection gets. */
export async function connectError(url: string, query: Record<string, string>, options: ClientOptions): Promise<Error & { data?: any }> {
  try {
    const { socket } = await connect(url, query, options)
    socket.close()
  } catch (error) {
    return error as Error & { data?: any }
  }
  throw new Error('the connection was accepted')
}

/** The next `event` on the socket, or a rejection after timeoutMs. */
export function nextEvent<T = any>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent)
      reject(new Error(`no ${event} event in ${timeoutMs} ms`))
    }, timeoutMs)
    const onEvent = (payload: T) => {
      clearTimeout(timer)
      resolve(payload)
    }
    socket.once(event, onEvent)
  })
}

/** Records every event a socket receives, for asserting what did and did not arrive. */
export function recordEvents(socket: Socket): { name: string; payload: any }[] {
  const seen: { name: string; payload: any }[] = []
  socket.onAny((name: string, payload: unknown) => seen.push({ name, payload }))
  return seen
}

/**
 * A bare WebSocket speaking Engine.IO v4 that connects to the main namespace with `token`, as a
 * client written by hand would, and then stops reading (what it is sent piles up on the way).
 */
export async function stalledSocket(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error('the raw socket was not connected in 10 s'))
    }, 10_000)
    ws.on('error', reject)
    ws.on('message', (data: Buffer) => {
      const text = data.toString()
      // The Engine.IO open packet, then the namespace's CONNECT answer.
      if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`)
      if (text.startsWith('40')) {
        clearTimeout(timer)
        ws.pause()
        resolve()
      }
      if (text.startsWith('44')) reject(new Error(`connection refused: ${text}`))
    })
  })
  return ws
}
