// A socket.io-client that records the durable messages it is replayed and sent (listening before
// it connects: a replay follows `connected` at once) and, if asked, acks each one.
import { io, type Socket } from 'socket.io-client'
import { TOKEN } from './app.js'

export interface InboxClient {
  socket: Socket
  /** every durable message received, in order ({event, data, timestamp, messageId}) */
  received: any[]
}

export function inboxClient(url: string, userId: string, { acking = false, token = TOKEN } = {}): Promise<InboxClient> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false, auth: { token }, query: { userId } })
  const received: any[] = []
  socket.onAny((_name: string, message: any, ack?: () => void) => {
    if (message?.messageId === undefined) return
    received.push(message)
    if (acking) ack?.()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close()
      reject(new Error('socket did not connect in 5 s'))
    }, 5000)
    socket.once('connected', () => {
      clearTimeout(timer)
      resolve({ socket, received })
    })
    socket.once('connect_error', (error) => {
      clearTimeout(timer)
      socket.close()
      reject(error)
    })
    socket.connect()
  })
}
