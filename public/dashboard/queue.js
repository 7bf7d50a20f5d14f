// @ts-check
// The queue's counts and the newest postbacks with their attempts.
import { api } from './api.js'
import { $, actionButton, el, relative } from './dom.js'

/**
 * @typedef {import('./api-types').QueueStats} QueueStats
 * @typedef {import('./api-types').PostbackView} PostbackView
 * @typedef {import('./api-types').StatusRule} StatusRule
 */

/** Postbacks whose attempts are unfolded. */
const expanded = new Set()

/**
 * The status filter offers every status the service has.
 * @param {StatusRule[]} rules
 */
export function fillStatusFilter(rules) {
  $('#status-filter').replaceChildren(
    el('option', { value: '', textContent: 'all' }),
    ...rules.map(({ status }) => el('option', { value: status, textContent: status })),
  )
}

/**
 * @param {QueueStats} stats
 * @param {StatusRule[]} rules
 */
export function renderStats(stats, rules) {
  $('#counts').replaceChildren(
    ...rules.map(({ status }) =>
      el('div', { id: `count-${status}` }, el('dt', { textContent: status }), el('dd', { textContent: String(stats.counts[status]) })),
    ),
  )
  const oldest = stats.oldestPendingAgeMs === null ? 'nothing late' : `oldest due ${Math.round(stats.oldestPendingAgeMs / 1000)}s ago`
  $('#queue-extra').textContent = `${stats.inFlight} in flight on this instance · ${oldest}`
}

/**
 * The newest postbacks; a click on a row unfolds its attempts, callbacks and ordering key.
 * @param {PostbackView[]} postbacks
 * @param {StatusRule[]} rules
 */
export function renderPostbacks(postbacks, rules) {
  $('#postbacks-empty').hidden = postbacks.length > 0
  const rows = []
  for (const p of postbacks) {
    const row = el('tr', { className: 'postback', title: 'Show attempts' },
      el('td', {}, el('span', { className: `badge ${p.status}`, textContent: p.status })),
      el('td', { className: 'url', textContent: p.postbackUrl, title: p.postbackUrl }),
      el('td', { textContent: p.method }),
      el('td', { textContent: String(p.retries) }),
      el('td', { textContent: relative(p.createdAt), title: p.createdAt }),
      el('td', { className: 'last-error', textContent: p.lastError ?? '', title: p.lastError ?? '' }),
      el('td', {}, ...actions(p, rules)))
    row.dataset.id = p.id
    row.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('button')) return
      if (expanded.has(p.id)) expanded.delete(p.id)
      else expanded.add(p.id)
      renderPostbacks(postbacks, rules)
    })
    rows.push(row)
    if (expanded.has(p.id)) rows.push(el('tr', { className: 'attempts' }, el('td', { colSpan: 7 }, details(p))))
  }
  $('#postbacks tbody').replaceChildren(...rows)
}

/**
 * Retry and Cancel, where the service allows them for this status.
 * @param {PostbackView} p
 * @param {StatusRule[]} rules
 */
function actions(p, rules) {
  const rule = rules.find(({ status }) => status === p.status)
  const path = `/api/queue/postback/${encodeURIComponent(p.id)}`
  return [
    ...(rule?.retryable ? [actionButton('Retry', () => api(`${path}/retry`, { method: 'POST' }))] : []),
    ...(rule?.cancelable ? [actionButton('Cancel', () => api(path, { method: 'DELETE' }))] : []),
  ]
}

/** @param {PostbackView} p */
function details(p) {
  const header = el('p', { className: 'muted', textContent: `${p.id}${p.nextAttemptAt ? ` · next attempt ${relative(p.nextAttemptAt)}` : ''}` })
  const meta = el('dl', { className: 'postback-meta' })
  /** @type {[string, string | null][]} */
  const fields = [['Ordering key', p.orderingKey], ['Callback', p.callbackUrl], ['On failure', p.failureCallbackUrl]]
  for (const [label, value] of fields) {
    if (value !== null) meta.append(el('dt', { textContent: label }), el('dd', { textContent: value }))
  }
  if (p.attempts.length === 0) return el('div', {}, header, meta, el('p', { className: 'muted', textContent: 'No attempt yet.' }))
  const items = p.attempts.map((a, i) => {
    // A failed attempt's error already names its status ("HTTP 500 Internal Server Error").
    const outcome = a.error ?? `HTTP ${a.statusCode ?? '?'}`
    const probe = a.probe ? ' · probe' : ''
    const line = el('li', { textContent: `#${i + 1} · ${new Date(a.at).toLocaleTimeString()} · ${a.durationMs} ms · ${outcome}${probe}` })
    if (a.responseBody) line.append(el('pre', { textContent: a.responseBody }))
    return line
  })
  return el('div', {}, header, meta, el('ol', { className: 'attempt-list' }, ...items))
}
