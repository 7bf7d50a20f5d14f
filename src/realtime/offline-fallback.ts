// Offline fallback: an event nobody receives (or, with acks, nobody acknowledges) is queued as a
// postback instead, so the backend's message is never silently lost.
import type { EnqueueBody } from '../postbacks/schemas.js'
import type { HttpMethod } from '../postbacks/types.js'
import type { DispatchResult, Realtime } from './realtime.js'
import type { Target } from './rooms.js'

export interface Fallback {
  postbackUrl: string
  method?: HttpMethod
  headers?: Record<string, string>
}

export interface DispatchRequest extends Target {
  event: string
  data?: unknown
  fallback?: Fallback
  /** wait for the clients' acknowledgements, up to ackTimeoutMs */
  ack?: boolean
  ackTimeoutMs: number
}

export interface FallbackQueue {
  validate(input: EnqueueBody): void
  enqueue(input: EnqueueBody): Promise<{ id: string }>
}

export async function dispatchWithFallback(
  realtime: Pick<Realtime, 'dispatch'>,
  postbacks: FallbackQueue,
  { fallback, ack, ackTimeoutMs, event, data, ...target }: DispatchRequest,
): Promise<DispatchResult & { fallbackQueueId?: string }> {
  const asPostback = (fallback: Fallback): EnqueueBody => ({
    ...fallback,
    payload: { event, data, ...target, timestamp: new Date().toISOString() },
  })
  // A fallback that could not be queued is refused before anything is sent.
  if (fallback) postbacks.validate(asPostback(fallback))
  const result = await realtime.dispatch(target, event, data, ack ? ackTimeoutMs : undefined)
  const reached = ack ? result.ackedCount : result.dispatchedCount
  if (!fallback || reached) return result
  const { id } = await postbacks.enqueue(asPostback(fallback))
  return { ...result, fallbackQueueId: id }
}
