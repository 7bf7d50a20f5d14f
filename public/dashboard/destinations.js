// @ts-check
// The Destinations card: each receiver's state, limit, load and last error, a sparkline of its
// failure rate over the last 15 minutes, and a button to pause or resume it.
import { api } from './api.js'
import { bucketStarts, COLORS } from './activity.js'
import { $, actionButton, el, percent, relative } from './dom.js'
import uPlot from './uplot.js'

/**
 * @typedef {import('./api-types').DestinationView} DestinationView
 * @typedef {import('./api-types').Activity} Activity
 */

/** @type {uPlot.Options} */
const SPARKLINE = {
  width: 120,
  height: 28,
  cursor: { show: false },
  legend: { show: false },
  scales: { x: { time: false }, y: { range: [0, 1] } },
  axes: [{ show: false }, { show: false }],
  // Points too: a bucket with attempts between two without any is a single point, not a line.
  series: [{}, { stroke: COLORS.failed, width: 1.5, points: { show: true, size: 4, fill: COLORS.failed } }],
}

/**
 * Each destination's sparkline, kept across refreshes so that only its data changes.
 * @type {Map<string, uPlot>}
 */
const sparklines = new Map()

/**
 * @param {DestinationView[]} destinations
 * @param {Activity} activity
 */
export function renderDestinations(destinations, activity) {
  $('#destinations-empty').hidden = destinations.length > 0
  $('#destinations').hidden = destinations.length === 0
  const xs = bucketStarts(activity)
  const rates = new Map(activity.destinations.map(({ destination, failureRates }) => [destination, failureRates]))
  for (const [destination, sparkline] of sparklines) {
    if (destinations.some((d) => d.destination === destination)) continue
    sparkline.destroy()
    sparklines.delete(destination)
  }
  const quiet = xs.map(() => null)
  $('#destinations tbody').replaceChildren(
    ...destinations.map((d) => row(d, sparkline(d.destination, [xs, rates.get(d.destination) ?? quiet]))),
  )
}

/**
 * @param {DestinationView} d
 * @param {HTMLElement} chart
 */
function row(d, chart) {
  const since = d.stateSince ? ` since ${relative(d.stateSince)}` : ''
  const path = `/api/destinations/${encodeURIComponent(d.destination)}`
  const change = d.state === 'paused' ? 'resume' : 'pause'
  const tr = el('tr', { className: 'destination' },
    el('td', { className: 'url', textContent: d.destination, title: d.destination }),
    el('td', {}, el('span', { className: `badge ${d.state}`, textContent: d.state, title: `${d.state}${since}` })),
    el('td', { textContent: String(d.limit) }),
    el('td', { textContent: String(d.inFlight) }),
    el('td', { textContent: percent(d.failureRate) }),
    el('td', { textContent: String(d.pending) }),
    el('td', { className: 'last-error', textContent: d.lastError ?? '', title: d.lastError ?? '' }),
    el('td', { className: 'sparkline' }, chart),
    el('td', {}, actionButton(change === 'pause' ? 'Pause' : 'Resume', () => api(`${path}/${change}`, { method: 'POST' }))))
  tr.dataset.destination = d.destination
  return tr
}

/**
 * The sparkline's element, drawn once and given new data after that.
 * @param {string} destination
 * @param {uPlot.AlignedData} data
 * @returns {HTMLElement}
 */
function sparkline(destination, data) {
  const drawn = sparklines.get(destination)
  if (drawn) {
    drawn.setData(data)
    return drawn.root
  }
  const chart = new uPlot(SPARKLINE, data, el('div'))
  sparklines.set(destination, chart)
  return chart.root
}

/** The sparklines as drawn now (the browser tests read their data). */
export const destinationSparklines = () => sparklines
