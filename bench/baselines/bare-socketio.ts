// Baseline for fan-out and socket memory: a bare Socket.IO server with a token check that puts
// each socket in its channel's room, and an HTTP route that does io.to(rooms).emit. A client
// connecting with `replay=N` is sent N events at once, from memory (the inbox replay's baseline).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'

const token = process.env.API_TOKEN!
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') return res.writeHead(404).end()
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    const { channel, channels, event, data } = JSON.parse(body) as { channel?: string; channels?: string[]; event: string; data: unknown }
    const rooms = (channels ?? [channel!]).map((name) => `channel:${name}`)
    const count = rooms.reduce((sum, room) => sum + (io.of('/').adapter.rooms.get(room)?.size ?? 0), 0)
    io.to(rooms).emit(event, { event, data, timestamp: new Date().toISOString() })
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ dispatchedCount: count }))
  })
})
const io = new Server(http, { serveClient: false })
io.use((socket, next) => (socket.handshake.auth.token === token ? next() : next(new Error('unauthorized'))))
io.on('connection', (socket) => {
  void socket.join(`channel:${String(socket.handshake.query.channel)}`)
  const replay = Number(socket.handshake.query.replay ?? 0)
  for (let i = 0; i < replay; i++) socket.emit('note', { event: 'note', data: { i }, timestamp: new Date().toISOString(), messageId: String(i) })
})
http.listen(0, '127.0.0.1', () => console.log(`listening at http://127.0.0.1:${(http.address() as AddressInfo).port}`))
