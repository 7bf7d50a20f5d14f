// Connection-state recovery (SOCKET_RECOVERY_MS), bounded. With recovery on, every packet for a
// socket goes through the adapter, which keeps it for the recovery window, and a client that comes
// back is sent everything it missed at once, straight into its write buffer. Here what one instance
// keeps weighs at most SOCKET_RECOVERY_MAX_BYTES (oldest out first), and what one reconnect replays
// at most SOCKET_RECOVERY_MAX_REPLAY_BYTES: a client that missed more, or whose missed packets are
// no longer kept, is not recovered (it connects as a new socket, `recovered` false). A session is
// restored at most once. In a cluster, the Redis stream keeps the packets (the adapter's last
// 10,000 entries), and only the replay is bounded here.
import type { createAdapter } from '@socket.io/redis-streams-adapter'
import { Adapter, type BroadcastOptions, type Session } from 'socket.io-adapter'

export interface RecoveryBounds {
  /** how long a session and the packets sent meanwhile are kept (SOCKET_RECOVERY_MS) */
  windowMs: number
  /** the most the packets one instance keeps may weigh, as JSON (SOCKET_ADAPTER=local) */
  maxKeptBytes: number
  /** the most the packets replayed to one reconnecting client may weigh, as JSON */
  maxReplayBytes: number
}

type ClusterAdapterFactory = ReturnType<typeof createAdapter>
type StoredSession = Omit<Session, 'missedPackets'> & { disconnectedAt: number }

interface Kept {
  /** consecutive: the packet kept after this one has the next number */
  seq: number
  opts: BroadcastOptions
  data: unknown[]
  bytes: number
  at: number
}

/** Socket.IO's EVENT packet type. */
const EVENT = 2

/** What a packet weighs, as JSON (binary data counts more than it is: never less). */
const weightOf = (data: unknown[]) => JSON.stringify(data).length

/** Whether a packet sent with `opts` reaches a socket in `rooms`, as Socket.IO's adapters decide. */
const reaches = (rooms: string[], { rooms: to, except }: BroadcastOptions) =>
  (to.size === 0 || rooms.some((room) => to.has(room))) && !rooms.some((room) => except?.has(room))

const notRecovered = (why: string) => Promise.reject(new Error(`session not recovered: ${why}`))

const tooMuch = (bounds: RecoveryBounds) => notRecovered(`it missed more than ${bounds.maxReplayBytes} bytes (SOCKET_RECOVERY_MAX_REPLAY_BYTES)`)

/** The adapter of one instance alone (SOCKET_ADAPTER=local): Socket.IO's in-memory one, with recovery bounded. */
export function boundedSessionAdapter(bounds: RecoveryBounds): typeof Adapter {
  return class BoundedSessionAdapter extends Adapter {
    readonly #sessions = new Map<string, StoredSession>()
    /** the packets kept, oldest first, from #first on */
    #kept: Kept[] = []
    #first = 0
    #bytes = 0
    #seq = 0

    override persistSession(session: Omit<Session, 'missedPackets'>): void {
      this.#sessions.set(session.pid, { ...session, disconnectedAt: Date.now() })
      this.#forget(Date.now())
    }

    override restoreSession(pid: string, offset: string): Promise<Session> {
      const session = this.#sessions.get(pid)
      this.#sessions.delete(pid)
      if (session === undefined || session.disconnectedAt + bounds.windowMs < Date.now()) return notRecovered('no such session')
      const last = this.#indexOf(offset)
      if (last === undefined) return notRecovered('what it missed is no longer kept')
      const { disconnectedAt: _, ...restored } = session
      const missedPackets: unknown[][] = []
      let bytes = 0
      for (let i = last + 1; i < this.#kept.length; i++) {
        const packet = this.#kept[i]!
        if (!reaches(session.rooms, packet.opts)) continue
        bytes += packet.bytes
        if (bytes > bounds.maxReplayBytes) return tooMuch(bounds)
        missedPackets.push(packet.data)
      }
      return Promise.resolve({ ...restored, missedPackets })
    }

    override broadcast(packet: { type: number; id?: number; data: unknown[] }, opts: BroadcastOptions): void {
      // As Socket.IO's own adapter: a packet with an ack cannot be replayed, a volatile one need not be.
      if (packet.type === EVENT && packet.id === undefined && opts.flags?.volatile === undefined) {
        const seq = ++this.#seq
        // The offset the client sends back when it reconnects.
        packet.data.push(String(seq))
        const bytes = weightOf(packet.data)
        this.#kept.push({ seq, opts, data: packet.data, bytes, at: Date.now() })
        this.#bytes += bytes
        this.#forget(Date.now())
      }
      super.broadcast(packet, opts)
    }

    /** Where the packet with this offset is kept, if it still is. */
    #indexOf(offset: string): number | undefined {
      const oldest = this.#kept[this.#first]
      if (oldest === undefined || !/^\d+$/.test(offset)) return undefined
      const index = this.#first + Number(offset) - oldest.seq
      return index >= this.#first && index < this.#kept.length ? index : undefined
    }

    /** Drops sessions and packets past the window, and the oldest packets past the weight allowed. */
    #forget(now: number): void {
      const since = now - bounds.windowMs
      for (const [pid, session] of this.#sessions) {
        if (session.disconnectedAt >= since) break
        this.#sessions.delete(pid)
      }
      for (let oldest = this.#kept[this.#first]; oldest; oldest = this.#kept[this.#first]) {
        if (this.#bytes <= bounds.maxKeptBytes && oldest.at >= since) break
        this.#bytes -= oldest.bytes
        this.#first++
      }
      if (this.#first > 1024 && this.#first * 2 > this.#kept.length) {
        this.#kept = this.#kept.slice(this.#first)
        this.#first = 0
      }
    }
  }
}

/**
 * The cluster adapter, with the replay bounded, and a packet with an ack for one socket sent
 * straight to it. The cluster adapter publishes each packet to the Redis stream before it writes
 * it, for recovery and for the other instances; a packet with an ack is never recovered, and no
 * other instance holds the socket, so publishing it only costs its size in Redis and a round trip,
 * and keeps it out of the socket's write buffer, where back-pressure is seen, until Redis answers.
 */
export function boundedClusterAdapter(make: ClusterAdapterFactory, bounds: RecoveryBounds): ClusterAdapterFactory {
  // Socket.IO calls an adapter factory with `new`: a function, not an arrow.
  return function (nsp) {
    const adapter = make(nsp)
    const broadcast = adapter.broadcast.bind(adapter)
    adapter.broadcast = (packet: { id?: number }, opts: BroadcastOptions) =>
      broadcast(packet, packet.id !== undefined && opts.rooms.size === 1 ? { ...opts, flags: { ...opts.flags, local: true } } : opts)
    const restore = adapter.restoreSession.bind(adapter)
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset)
      const bytes = session.missedPackets.reduce((sum, data) => sum + weightOf(data), 0)
      return bytes > bounds.maxReplayBytes ? tooMuch(bounds) : session
    }
    return adapter
  }
}
