// @ts-check
// The Realtime card: who is in each presence channel (with the info their sockets carry), and the
// users with durable messages waiting, each with a button to clear their inbox.
import { api } from './api.js'
import { $, actionButton, el, plural, relative } from './dom.js'

/**
 * @typedef {import('./api-types').Connections} Connections
 * @typedef {import('./api-types').Presence} Presence
 * @typedef {import('./api-types').InboxStats} InboxStats
 */

/** Presence channels read per refresh, and members shown per channel: one request each. */
const MAX_CHANNELS = 20
const MAX_MEMBERS = 100

/**
 * The presence channels the listed connections are in, by name.
 * @param {Connections} connections
 */
export function presenceChannels({ connections }) {
  const names = new Set(connections.flatMap((c) => c.channels ?? [c.channel]).filter((name) => name.startsWith('presence-')))
  return [...names].sort((a, b) => a.localeCompare(b))
}

/**
 * Reads and shows the members of the first presence channels.
 * @param {string[]} channels
 */
export async function renderPresence(channels) {
  const shown = channels.slice(0, MAX_CHANNELS)
  const answers = await Promise.all(
    shown.map((channel) => api(`/api/socket/channels/${encodeURIComponent(channel)}/presence?limit=${MAX_MEMBERS}`)),
  )
  const groups = answers.map((answer) => presenceGroup(/** @type {Presence} */ (answer)))
  if (channels.length > shown.length) groups.push(el('p', { className: 'muted', textContent: `and ${plural(channels.length - shown.length, 'more channel')}` }))
  $('#presence').replaceChildren(...(groups.length ? groups : [el('p', { className: 'muted', textContent: 'No presence channel has a member.' })]))
}

/** @param {Presence} presence */
function presenceGroup({ channel, count, members }) {
  const more = count > members.length ? ` (${members.length} shown)` : ''
  const group = el('div', { className: 'channel presence' },
    el('strong', { textContent: channel }),
    el('span', { className: 'muted', textContent: ` · ${plural(count, 'member')}${more}` }),
    el('ul', {}, ...members.map((member) => {
      const info = member.info === null ? '' : JSON.stringify(member.info)
      const item = el('li', { title: `member since ${relative(member.since)}` },
        el('span', { className: 'member', textContent: member.userId }),
        ...(info ? [el('code', { className: 'info', textContent: info, title: info })] : []))
      item.dataset.user = member.userId
      return item
    })))
  group.dataset.channel = channel
  return group
}

/** @param {InboxStats[]} users */
export function renderInboxes(users) {
  $('#inboxes-empty').hidden = users.length > 0
  $('#inboxes').hidden = users.length === 0
  $('#inboxes tbody').replaceChildren(...users.map(inboxRow))
}

/** @param {InboxStats} user */
function inboxRow({ userId, pending, oldestAt }) {
  const clear = actionButton('Clear', async () => {
    if (!confirm(`Delete the ${plural(pending, 'message')} waiting for ${userId}? They will not be delivered.`)) return
    await api(`/api/socket/users/${encodeURIComponent(userId)}/inbox`, { method: 'DELETE' })
  })
  const row = el('tr', { className: 'inbox' },
    el('td', { className: 'user', textContent: userId, title: userId }),
    el('td', { className: 'pending', textContent: String(pending) }),
    el('td', { textContent: oldestAt === null ? '' : relative(oldestAt), title: oldestAt ?? '' }),
    el('td', {}, clear))
  row.dataset.user = userId
  return row
}
