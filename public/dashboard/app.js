// @ts-check
// The dashboard: plain JavaScript modules against the service's own API, refreshed every 2 s.
// What the page shows comes from the API, the list of statuses and what each allows included.
import { renderActivity } from './activity.js'
import { api, jsonOf, onTokenRefused, token } from './api.js'
import { renderConnections } from './connections.js'
import { renderDestinations } from './destinations.js'
import { $, CHANGED } from './dom.js'
import { handleForms } from './forms.js'
import { fillStatusFilter, renderPostbacks, renderStats } from './queue.js'
import { presenceChannels, renderInboxes, renderPresence } from './realtime.js'

/**
 * @typedef {import('./api-types').StatusRule} StatusRule
 * @typedef {import('./api-types').QueueStats} QueueStats
 * @typedef {import('./api-types').PostbackView} PostbackView
 * @typedef {import('./api-types').Connections} Connections
 * @typedef {import('./api-types').DestinationView} DestinationView
 * @typedef {import('./api-types').Activity} Activity
 * @typedef {import('./api-types').InboxStats} InboxStats
 */

const REFRESH_MS = 2000

/** @type {ReturnType<typeof setInterval> | undefined} */
let timer
/** @type {StatusRule[]} */
let rules = []

function signOut(message = '') {
  clearInterval(timer)
  token.forget()
  $('#board').hidden = true
  $('#forget').hidden = true
  $('#login').hidden = false
  $('#login-error').textContent = message
}

/** Reads what the statuses allow (which also proves the token), then shows the board. */
async function signIn() {
  rules = /** @type {StatusRule[]} */ (await api('/api/queue/statuses'))
  fillStatusFilter(rules)
  $('#login').hidden = true
  $('#board').hidden = false
  $('#forget').hidden = false
  await refresh()
  timer = setInterval(() => void refresh(), REFRESH_MS)
}

async function refresh() {
  try {
    /** @type {HTMLSelectElement} */
    const filter = $('#status-filter')
    const query = filter.value ? `&status=${encodeURIComponent(filter.value)}` : ''
    const [stats, postbacks, connections, destinations, activity, inboxes] = await Promise.all([
      api('/api/queue/stats'),
      api(`/api/queue/postback?limit=25${query}`),
      api('/api/socket/sockets/stats?limit=500'),
      api('/api/destinations'),
      api('/api/queue/activity'),
      api('/api/socket/inboxes?limit=50'),
    ])
    renderStats(/** @type {QueueStats} */ (stats), rules)
    renderPostbacks(/** @type {PostbackView[]} */ (postbacks), rules)
    renderConnections(/** @type {Connections} */ (connections))
    await renderPresence(presenceChannels(/** @type {Connections} */ (connections)))
    renderInboxes(/** @type {InboxStats[]} */ (inboxes))
    renderDestinations(/** @type {DestinationView[]} */ (destinations), /** @type {Activity} */ (activity))
    renderActivity(/** @type {Activity} */ (activity), $('#activity-chart'))
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`
  } catch (error) {
    $('#updated').textContent = `not updated: ${/** @type {Error} */ (error).message}`
  }
  void showHealth()
}

async function showHealth() {
  try {
    const health = /** @type {{ status: string, store: string, version: string }} */ (await jsonOf(await fetch('/health')))
    const badge = $('#health')
    badge.className = `badge ${health.status}`
    badge.textContent = `${health.status} · ${health.store} · v${health.version}`
  } catch {
    // The badge keeps its last state; the next refresh tries again.
  }
}

onTokenRefused(signOut)
handleForms()
$('#login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  /** @type {HTMLInputElement} */
  const input = $('#token')
  token.keep(input.value.trim())
  input.value = ''
  signIn().catch((/** @type {Error} */ error) => {
    if (token.present()) signOut(error.message)
  })
})
$('#forget').addEventListener('click', () => signOut())
$('#status-filter').addEventListener('change', () => void refresh())
document.addEventListener(CHANGED, () => void refresh())

if (token.present()) void signIn().catch((/** @type {Error} */ error) => signOut(error.message))
