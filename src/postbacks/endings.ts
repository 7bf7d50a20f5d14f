// What happens when a postback ends as completed or failed: metrics, the socket notification it
// asked for, the `$ops` channel, and its callback (SPEC §8), queued as a postback of its own. The
// callback's idempotency key and body come from the postback's end, so handing the same end over
// again (after a crash) queues nothing twice. All three tell others of the postback with the
// query values of its URLs redacted: a secret there travels no further than the URL it was queued
// with (GET /api/queue/postback/:id and the list keep them).
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
    const queued = await view()
    if (!queued) return
    const postback = toldOthers(queued)
    if (target) options.notify?.(target, postback)
    operations?.postbackEnded(postback)
    const callbackUrl = status === 'completed' ? queued.callbackUrl : queued.failureCallbackUrl
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

/** What stands in for a query value that is not told. */
export const REDACTED = 'REDACTED'

/** The postback as others are told of it: the query values of its URLs redacted. */
function toldOthers(postback: PostbackView): PostbackView {
  return {
    ...postback,
    postbackUrl: withQueryValuesRedacted(postback.postbackUrl),
    callbackUrl: postback.callbackUrl === null ? null : withQueryValuesRedacted(postback.callbackUrl),
    failureCallbackUrl: postback.failureCallbackUrl === null ? null : withQueryValuesRedacted(postback.failureCallbackUrl),
  }
}

/** `url` with the value of every query parameter replaced by REDACTED; keys, order and the rest as they were. */
export function withQueryValuesRedacted(url: string): string {
  const queryAt = url.indexOf('?')
  const hashAt = url.indexOf('#')
  if (queryAt === -1 || (hashAt !== -1 && hashAt < queryAt)) return url
  const end = hashAt === -1 ? url.length : hashAt
  const parameters = url
    .slice(queryAt + 1, end)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=')
      return equals === -1 ? parameter : `${parameter.slice(0, equals)}=${REDACTED}`
    })
  return `${url.slice(0, queryAt + 1)}${parameters.join('&')}${url.slice(end)}`
}
