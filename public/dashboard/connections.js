// @ts-check
// The Connections card: who is connected, grouped by channel.
import { el, plural, relative, $ } from './dom.js'

/** @typedef {import('./api-types').Connections} Connections */

/** @param {Connections} answer */
export function renderConnections({ totalConnections, connections }) {
  $('#connection-total').textContent = String(totalConnections)
  /** @type {Map<string, Connections['connections']>} */
  const byChannel = new Map()
  for (const c of connections) {
    for (const channel of c.channels ?? [c.channel]) byChannel.set(channel, [...(byChannel.get(channel) ?? []), c])
  }
  const groups = [...byChannel].sort(([a], [b]) => a.localeCompare(b)).map(([channel, sockets]) =>
    el('div', { className: 'channel' },
      el('strong', { textContent: channel }),
      el('span', { className: 'muted', textContent: ` · ${plural(sockets.length, 'socket')}` }),
      el('ul', {}, ...sockets.map((s) => el('li', { textContent: s.userId, title: `${s.socketId} · connected ${relative(s.connectedAt)}` })))),
  )
  $('#channels').replaceChildren(...(groups.length ? groups : [el('p', { className: 'muted', textContent: 'Nobody is connected.' })]))
}
