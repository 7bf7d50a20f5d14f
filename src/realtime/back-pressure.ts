// When what the server wrote to a socket has left the process. Engine.IO hands packets to the
// transport only while it is writable, and the transport is writable again once its last batch is
// written to the kernel (WebSocket) or the client has asked for more (long-polling): a socket whose
// client stops reading stays unwritable, and what is emitted to it meanwhile waits in memory.
import type { IoSocket } from './socket-server.js'

/** Resolves once the socket's transport is writable again, or the socket is gone. */
export function drained(socket: IoSocket): Promise<void> {
  const { conn } = socket
  const settled = () => socket.disconnected || conn.readyState !== 'open' || conn.transport.writable
  if (settled()) return Promise.resolve()
  return new Promise((resolve) => {
    let transport = conn.transport
    const check = () => {
      if (settled()) done()
    }
    const upgraded = () => {
      transport.off('ready', check)
      transport = conn.transport
      transport.on('ready', check)
      check()
    }
    const done = () => {
      transport.off('ready', check)
      conn.off('upgrade', upgraded)
      conn.off('close', done)
      socket.off('disconnect', done)
      resolve()
    }
    transport.on('ready', check)
    conn.on('upgrade', upgraded)
    conn.on('close', done)
    socket.on('disconnect', done)
  })
}
