// The dashboard: plain JavaScript against the service's own API. The token lives in this tab's
// sessionStorage only. Every value from the API is written with textContent, never as HTML.

const TOKEN_KEY = 'qsp-api-token'
const REFRESH_MS = 2000
const STATUSES = ['pending', 'processing', 'completed', 'failed', 'canceled']

const $ = (selector) => document.querySelector(selector)
const expanded = new Set()
let timer

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props)
  for (const child of children) node.append(child)
  return node
}

/** "5s ago" for a past time, "in 5s" for a future one (a retry not yet due), a date beyond an hour. */
const relative = (iso) => {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000)
  const distance = Math.abs(seconds)
  if (distance >= 3600) return new Date(iso).toLocaleString()
  const amount = distance < 60 ? `${distance}s` : `${Math.floor(distance / 60)}m`
  return seconds > 0 ? `in ${amount}` : `${amount} ago`
}

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: {
      authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  })
  const body = await response.json().catch(() => ({}))
  if (response.status === 401) {
    signOut('The token was refused. Paste the API token again.')
    throw new Error(body.message ?? 'unauthorized')
  }
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`)
  return body
}

function signOut(message = '') {
  clearInterval(timer)
  sessionStorage.removeItem(TOKEN_KEY)
  $('#board').hidden = true
  $('#forget').hidden = true
  $('#login').hidden = false
  $('#login-error').textContent = message
}

function signIn() {
  $('#login').hidden = true
  $('#board').hidden = false
  $('#forget').hidden = false
  refresh()
  timer = setInterval(refresh, REFRESH_MS)
}

async function refresh() {
  try {
    const status = $('#status-filter').value
    const [stats, postbacks, connections] = await Promise.all([
      api('/api/queue/stats'),
      api(`/api/queue/postback?limit=25${status ? `&status=${status}` : ''}`),
      api('/api/socket/sockets/stats?limit=500'),
    ])
    renderStats(stats)
    renderPostbacks(postbacks)
    renderConnections(connections)
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`
  } catch (error) {
    $('#updated').textContent = `not updated: ${error.message}`
  }
  fetch('/health')
    .then((response) => response.json())
    .then((health) => {
      const badge = $('#health')
      badge.className = `badge ${health.status}`
      badge.textContent = `${health.status} · ${health.store} · v${health.version}`
    })
    .catch(() => undefined)
}

function renderStats(stats) {
  $('#counts').replaceChildren(
    ...STATUSES.map((s) => el('div', { id: `count-${s}` }, el('dt', { textContent: s }), el('dd', { textContent: String(stats.counts[s]) }))),
  )
  const oldest = stats.oldestPendingAgeMs === null ? 'nothing pending' : `oldest pending ${Math.round(stats.oldestPendingAgeMs / 1000)}s`
  $('#queue-extra').textContent = `${stats.inFlight} in flight on this instance · ${oldest}`
  const hosts = $('#hosts')
  hosts.hidden = stats.hosts.length === 0
  hosts.tBodies[0].replaceChildren(
    ...stats.hosts.map((h) =>
      el('tr', {},
        el('td', { textContent: h.destination }),
        el('td', { textContent: String(h.inFlight) }),
        el('td', { textContent: String(h.limit) }),
        el('td', { textContent: `${Math.round(h.failureRate * 100)}%` })),
    ),
  )
}

function renderPostbacks(postbacks) {
  $('#postbacks-empty').hidden = postbacks.length > 0
  const rows = []
  for (const p of postbacks) {
    const actions = el('td')
    if (p.status === 'failed' || p.status === 'completed') actions.append(actionButton('Retry', `/api/queue/postback/${p.id}/retry`, 'POST'))
    if (p.status === 'pending') actions.append(actionButton('Cancel', `/api/queue/postback/${p.id}`, 'DELETE'))
    const row = el('tr', { className: 'postback', title: 'Show attempts' },
      el('td', {}, el('span', { className: `badge ${p.status}`, textContent: p.status })),
      el('td', { className: 'url', textContent: p.postbackUrl, title: p.postbackUrl }),
      el('td', { textContent: p.method }),
      el('td', { textContent: String(p.retries) }),
      el('td', { textContent: relative(p.createdAt), title: p.createdAt }),
      el('td', { className: 'last-error', textContent: p.lastError ?? '', title: p.lastError ?? '' }),
      actions)
    row.dataset.id = p.id
    row.addEventListener('click', (event) => {
      if (event.target.closest('button')) return
      if (expanded.has(p.id)) expanded.delete(p.id)
      else expanded.add(p.id)
      renderPostbacks(postbacks)
    })
    rows.push(row)
    if (expanded.has(p.id)) rows.push(el('tr', { className: 'attempts' }, el('td', { colSpan: 7 }, attemptList(p))))
  }
  $('#postbacks').tBodies[0].replaceChildren(...rows)
}

function attemptList(p) {
  const header = el('p', { className: 'muted', textContent: `${p.id}${p.nextAttemptAt ? ` · next attempt ${relative(p.nextAttemptAt)}` : ''}` })
  if (p.attempts.length === 0) return el('div', {}, header, el('p', { className: 'muted', textContent: 'No attempt yet.' }))
  const items = p.attempts.map((a, i) => {
    // A failed attempt's error already names its status ("HTTP 500 Internal Server Error").
    const outcome = a.error ?? `HTTP ${a.statusCode}`
    const line = el('li', { textContent: `#${i + 1} · ${new Date(a.at).toLocaleTimeString()} · ${a.durationMs} ms · ${outcome}` })
    if (a.responseBody) line.append(el('pre', { textContent: a.responseBody }))
    return line
  })
  return el('div', {}, header, el('ol', { className: 'attempt-list' }, ...items))
}

function actionButton(label, path, method) {
  const button = el('button', { className: 'small', textContent: label, type: 'button' })
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      await api(path, { method })
    } catch (error) {
      alert(error.message)
    }
    refresh()
  })
  return button
}

function renderConnections({ totalConnections, connections }) {
  $('#connection-total').textContent = String(totalConnections)
  const byChannel = new Map()
  for (const c of connections) {
    for (const channel of c.channels ?? [c.channel]) {
      if (!byChannel.has(channel)) byChannel.set(channel, [])
      byChannel.get(channel).push(c)
    }
  }
  const groups = [...byChannel].sort(([a], [b]) => a.localeCompare(b)).map(([channel, sockets]) =>
    el('div', { className: 'channel' },
      el('strong', { textContent: channel }),
      el('span', { className: 'muted', textContent: ` · ${sockets.length} socket${sockets.length === 1 ? '' : 's'}` }),
      el('ul', {}, ...sockets.map((s) => el('li', { textContent: s.userId, title: `${s.socketId} · connected ${relative(s.connectedAt)}` })))),
  )
  $('#channels').replaceChildren(...(groups.length ? groups : [el('p', { className: 'muted', textContent: 'Nobody is connected.' })]))
}

function parseJson(text, what) {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text)
  } catch {
    throw new Error(`${what} is not valid JSON`)
  }
}

function handleForm(selector, submit) {
  const form = $(selector)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const result = form.querySelector('.result')
    result.className = 'result'
    try {
      result.textContent = await submit(new FormData(form))
      refresh()
    } catch (error) {
      result.className = 'result error'
      result.textContent = error.message
    }
  })
}

handleForm('#postback-form', async (data) => {
  const body = {
    postbackUrl: data.get('postbackUrl'),
    method: data.get('method'),
    payload: parseJson(data.get('payload'), 'Payload') ?? {},
  }
  const answer = await api('/api/queue/postback', { method: 'POST', body: JSON.stringify(body) })
  return `Queued ${answer.queueId}`
})

handleForm('#dispatch-form', async (data) => {
  const body = { event: data.get('event'), data: parseJson(data.get('data'), 'Data') }
  for (const key of ['channel', 'userId']) if (data.get(key)) body[key] = data.get(key)
  const answer = await api('/api/socket/dispatch', { method: 'POST', body: JSON.stringify(body) })
  return `Sent to ${answer.dispatchedCount} socket${answer.dispatchedCount === 1 ? '' : 's'}`
})

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim())
  $('#token').value = ''
  try {
    await api('/api/queue/stats')
    signIn()
  } catch (error) {
    if (sessionStorage.getItem(TOKEN_KEY)) signOut(error.message)
  }
})
$('#forget').addEventListener('click', () => signOut())
$('#status-filter').addEventListener('change', refresh)

if (sessionStorage.getItem(TOKEN_KEY)) signIn()
