// How postbacks and events read in a terminal. `--json` prints the service's own JSON instead.
import type { DispatchedMessage } from '../realtime-events.js'
import type { Postback, PostbackDetail } from '../types.js'

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2))

/** One line per postback: id, status, retries, when, where. */
export function postbackLine(postback: Postback): string {
  return [postback.id, postback.status.padEnd(10), `retries=${postback.retries}`, postback.createdAt, postback.method, postback.postbackUrl].join('  ')
}

export function postbackDetails(postback: PostbackDetail): string {
  const rows: Array<[string, string]> = [
    ['id', postback.id],
    ['status', postback.status],
    ['url', `${postback.method} ${postback.postbackUrl}`],
    ['created', postback.createdAt],
    ['updated', postback.updatedAt],
    ['retries', String(postback.retries)],
    ['next attempt', postback.nextAttemptAt ?? '-'],
    ['last status', postback.lastStatusCode === null ? '-' : String(postback.lastStatusCode)],
    ['last error', postback.lastError ?? '-'],
    ['ordering key', postback.orderingKey ?? '-'],
    ['on completed', postback.callbackUrl ?? '-'],
    ['on failed', postback.failureCallbackUrl ?? '-'],
    ['payload', JSON.stringify(postback.payload)],
    ['headers', Object.entries(postback.headers).map(([name, value]) => `${name}: ${value}`).join('; ') || '-'],
  ]
  const lines = rows.map(([name, value]) => `${name.padEnd(13)}${value}`)
  lines.push(`attempts     ${postback.attempts.length === 0 ? 'none yet' : ''}`)
  postback.attempts.forEach((attempt, index) => {
    const outcome = [attempt.statusCode ?? '', attempt.error ?? ''].filter((part) => part !== '').join(' ')
    lines.push(`  ${index + 1}. ${attempt.at}  ${outcome || '-'}  ${attempt.durationMs} ms`)
  })
  return lines.join('\n')
}

/**
 * One line per event on a followed channel: postback ends name the postback, operations events
 * their destination; anything else shows its data as JSON.
 */
export function eventLine(name: string, message: unknown): string {
  if (typeof message !== 'object' || message === null) return `${new Date().toISOString()}  ${name}  ${describe(message)}`
  // Dispatched events wrap their body in `data`; an event without it is its own body.
  const { timestamp, data, ...rest } = message as Partial<DispatchedMessage> & Record<string, unknown>
  const body = 'data' in message ? data : rest
  return `${timestamp ?? new Date().toISOString()}  ${name}  ${describe(body)}`
}

function describe(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data) ?? ''
  const fields = data as Record<string, unknown>
  if (typeof fields.id === 'string' && typeof fields.status === 'string') {
    const code = typeof fields.lastStatusCode === 'number' ? ` ${fields.lastStatusCode}` : ''
    const error = typeof fields.lastError === 'string' ? ` ${fields.lastError}` : ''
    const method = typeof fields.method === 'string' ? fields.method : ''
    const url = typeof fields.postbackUrl === 'string' ? fields.postbackUrl : ''
    return `${fields.id} ${fields.status}${code}${error} ${method} ${url}`.trimEnd()
  }
  if (typeof fields.destination === 'string') {
    return `${fields.destination}${typeof fields.reason === 'string' ? ` ${fields.reason}` : ''}`
  }
  return JSON.stringify(data)
}
