// What happens when a postback ends as completed or failed: metrics, the socket notification it
// asked for, the `$ops` channel, and its callback (SPEC §8), queued as a postback of its own. The
// callback's idempotency key and body come from the postback's end, so handing the same end over
// again (after a crash) queues nothing twice.
import type { EnqueueBody } from './schemas.js'
import type { EndedPostback } from './store.js'
import type { Notify, PostbackStatus, PostbackView } from './types.js'

export interface EndingOptions {
  enqueue(input: EnqueueBody): Promise<unknown>
  /** dispatches postback.<status> to the notify target */
  notify?: (target: Notify, postback: PostbackView) => void
  /** the `$ops` channel: told of every end while anyone listens */
  operations?: { listening: () => boolean; postbackEnded: (postback: PostbackView) => void }
  /** for metrics: a postback ended */
  ended?: (status: EndedPostback['status']) => void
  callbackQueued?: () => void
}

export function createEndings(options: EndingOptions) {
  return async function ended({ delivery, status, view }: EndedPostback): Promise<void> {
    options.ended?.(status)
    const operations = options.operations?.listening() ? options.operations : undefined
    const target = options.notify ? delivery.notify : undefined
    if (!target && !operations && !delivery.hasCallbacks) return
    const postback = await view()
    if (!postback) return
    if (target) options.notify?.(target, postback)
    operations?.postbackEnded(postback)
    const callbackUrl = status === 'completed' ? postback.callbackUrl : postback.failureCallbackUrl
    if (!callbackUrl) return
    await options.enqueue(callbackOf(callbackUrl, status, postback))
    options.callbackQueued?.()
  }
}

export function callbackOf(url: string, status: PostbackStatus, postback: PostbackView): EnqueueBody {
  return {
    postbackUrl: url,
    method: 'POST',
    headers: { 'qsp-postback-id': postback.id },
    payload: { event: `postback.${status}`, timestamp: postback.updatedAt, postback },
    idempotencyKey: `qsp-callback:${postback.id}:${postback.updatedAt}`,
  }
}
