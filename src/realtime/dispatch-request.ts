// POST /api/socket/dispatch, beyond sending: a durable message is stored per user first (the
// inbox); otherwise an event nobody receives (or, with acks, nobody acknowledges) is queued as a
// postback to the fallback URL, so the backend's message is never silently lost.
import { ValidationError } from '../errors.js'
import type { EnqueueBody } from '../postbacks/schemas.js'
import type { Inbox } from './inbox/inbox.js'
import type { Realtime } from './realtime.js'
import { listsOf } from './rooms.js'
import type { DispatchBody, DispatchResult, Fallback } from './schemas/dispatch.js'

export interface FallbackQueue {
  validate(input: EnqueueBody): void
  enqueue(input: EnqueueBody): Promise<{ id: string }>
}

export interface DispatchServices {
  realtime: Pick<Realtime, 'dispatch'>
  inbox: Pick<Inbox, 'dispatch'>
  postbacks: FallbackQueue
}

/** What a durable dispatch may not have. */
const NOT_DURABLE = ['channel', 'channels', 'fallback', 'ack'] as const

/** The targets as the caller named them, for the fallback postback (the excepted socket is no news to it). */
const namedTargets = ({ exceptSocketId: _sender, ...named }: Pick<DispatchBody, 'channel' | 'channels' | 'userId' | 'userIds' | 'exceptSocketId'>) => named

export async function dispatchRequest(services: DispatchServices, body: DispatchBody): Promise<DispatchResult> {
  const { fallback, ack, ackTimeoutMs, durable, ttlSeconds, event, data, ...target } = body
  if (durable) {
    const refused = NOT_DURABLE.find((field) => body[field] !== undefined)
    if (refused) throw new ValidationError(`a durable dispatch goes to userId or userIds and waits for each user’s ack: ${refused} is not allowed`)
    const { userIds } = listsOf(target)
    if (!userIds) throw new ValidationError('a durable dispatch needs userId or userIds')
    return services.inbox.dispatch({ userIds, ...(target.exceptSocketId ? { exceptSocketId: target.exceptSocketId } : {}) }, event, data, ttlSeconds)
  }
  const asPostback = (fallback: Fallback): EnqueueBody => ({
    ...fallback,
    payload: { event, data, ...namedTargets(target), timestamp: new Date().toISOString() },
  })
  // A fallback that could not be queued is refused before anything is sent.
  if (fallback) services.postbacks.validate(asPostback(fallback))
  const result = await services.realtime.dispatch(target, event, data, ack ? ackTimeoutMs : undefined)
  const reached = ack ? result.ackedCount : result.dispatchedCount
  if (!fallback || reached) return result
  const { id } = await services.postbacks.enqueue(asPostback(fallback))
  return { ...result, fallbackQueueId: id }
}
