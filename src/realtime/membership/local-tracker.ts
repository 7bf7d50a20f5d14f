// One instance alone (SOCKET_ADAPTER=local): every membership is in this process, so the counts
// and member lists are kept here and the debounce is a timer. Closing sends the changes still
// waiting out their debounce at once: nobody is connected once the instance stops.
import { randomUUID } from 'node:crypto'
import type { Info } from '../info.js'
import { isPresenceChannel } from '../schemas/presence.js'
import { byArrival, type Membership, type MembershipEvent, type MembershipTracker, type TrackerOptions } from './tracker.js'

/** An event before it gets its id and time. */
type Unstamped<E> = E extends unknown ? Omit<E, 'id' | 'at'> : never

interface ChannelState {
  sockets: Set<string>
  /** presence channels: each member's sockets, info and arrival */
  users: Map<string, { sockets: Set<string>; info: Info | null; since: number }>
  /** pending channel.vacated */
  vacating?: NodeJS.Timeout
  /** pending presence.left, by userId */
  leaving: Map<string, NodeJS.Timeout>
}

export function createLocalTracker(options: TrackerOptions): MembershipTracker {
  const channels = new Map<string, ChannelState>()
  const counted = (channel: string) => options.occupancy || isPresenceChannel(channel)
  const handling = new Set<Promise<void>>()
  /** what each waiting change does when its debounce ends (or the instance closes) */
  const waiting = new Map<NodeJS.Timeout, () => void>()

  const emit = (event: Unstamped<MembershipEvent>) => {
    const full: MembershipEvent = { ...event, id: `${Date.now()}-${randomUUID()}`, at: Date.now() }
    const handled = options
      .handle(full)
      .catch((error: unknown) => options.log.warn({ err: error, event: full.event }, 'membership event not handled'))
      .finally(() => handling.delete(handled))
    handling.add(handled)
  }

  const later = (action: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      waiting.delete(timer)
      action()
    }, options.debounceMs)
    waiting.set(timer, action)
    return timer
  }
  const callOff = (timer: NodeJS.Timeout | undefined) => {
    if (timer === undefined) return
    clearTimeout(timer)
    waiting.delete(timer)
  }

  const stateOf = (channel: string) => {
    let state = channels.get(channel)
    if (!state) channels.set(channel, (state = { sockets: new Set(), users: new Map(), leaving: new Map() }))
    return state
  }

  function enterPresence(state: ChannelState, { channel, userId, socketId, info }: Membership): void {
    const user = state.users.get(userId)
    if (user) {
      callOff(state.leaving.get(userId))
      state.leaving.delete(userId)
      user.sockets.add(socketId)
      return
    }
    state.users.set(userId, { sockets: new Set([socketId]), info, since: Date.now() })
    emit({ event: 'presence.joined', channel, userId, info })
  }

  function leavePresence(state: ChannelState, { channel, userId, socketId }: Membership): void {
    const user = state.users.get(userId)
    if (!user?.sockets.delete(socketId) || user.sockets.size > 0) return
    const timer = later(() => {
      state.leaving.delete(userId)
      state.users.delete(userId)
      forgetIfIdle(channel, state)
      emit({ event: 'presence.left', channel, userId })
    })
    state.leaving.set(userId, timer)
  }

  function forgetIfIdle(channel: string, state: ChannelState): void {
    if (state.sockets.size === 0 && state.users.size === 0 && !state.vacating) channels.delete(channel)
  }

  return {
    async join(membership) {
      const { channel, socketId } = membership
      if (!counted(channel)) return
      const state = stateOf(channel)
      if (state.sockets.has(socketId)) return
      state.sockets.add(socketId)
      if (state.sockets.size === 1) {
        if (state.vacating) {
          callOff(state.vacating)
          delete state.vacating
        } else if (options.occupancy) emit({ event: 'channel.occupied', channel })
      }
      if (isPresenceChannel(channel)) enterPresence(state, membership)
    },

    async leave(membership) {
      const { channel, socketId } = membership
      const state = channels.get(channel)
      if (!state?.sockets.delete(socketId)) return
      if (isPresenceChannel(channel)) leavePresence(state, membership)
      if (state.sockets.size > 0) return
      if (!options.occupancy) return forgetIfIdle(channel, state)
      state.vacating = later(() => {
        delete state.vacating
        forgetIfIdle(channel, state)
        emit({ event: 'channel.vacated', channel })
      })
    },

    async members(channel, limit) {
      const users: ChannelState['users'] = channels.get(channel)?.users ?? new Map<string, never>()
      const members = [...users].map(([userId, user]) => ({ userId, info: user.info, since: new Date(user.since).toISOString() }))
      return { count: members.length, members: members.sort(byArrival).slice(0, limit) }
    },

    async close() {
      for (const [timer, action] of [...waiting]) {
        callOff(timer)
        action()
      }
      await Promise.all(handling)
    },
  }
}
