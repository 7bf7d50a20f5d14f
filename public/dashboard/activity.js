// @ts-check
// The live chart of the last 15 minutes: postbacks delivered and failed per 10 seconds, and the
// queue depth on its own axis, drawn with uPlot (served by the service from node_modules).
import uPlot from './uplot.js'

/** @typedef {import('./api-types').Activity} Activity */

const HEIGHT = 220
/** Counts have whole-number ticks. */
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]
export const COLORS = { delivered: '#1c7c4d', failed: '#b42318', depth: '#3056d3' }

/** @type {uPlot | undefined} */
let chart

/** The chart as drawn now (the browser tests read its data). */
export const activityChart = () => chart

/**
 * The x values of a chart over the activity window: each bucket's start, in seconds.
 * @param {Activity} activity
 */
export const bucketStarts = (activity) => activity.buckets.map((bucket) => Date.parse(bucket.at) / 1000)

/** @param {number} width @returns {uPlot.Options} */
function options(width) {
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: { depth: { range: (_chart, _min, max) => [0, Math.max(1, max)] } },
    series: [
      {},
      { label: 'Delivered', stroke: COLORS.delivered, width: 2, fill: `${COLORS.delivered}22` },
      { label: 'Failed', stroke: COLORS.failed, width: 2 },
      { label: 'Queue depth', stroke: COLORS.depth, width: 1.5, dash: [6, 4], scale: 'depth', spanGaps: true },
    ],
    axes: [
      {},
      { label: 'per 10 s', size: 50, incrs: WHOLE },
      { label: 'depth', scale: 'depth', side: 1, size: 50, grid: { show: false }, incrs: WHOLE },
    ],
  }
}

/**
 * Draws the chart into `box` the first time, and updates its data after that.
 * @param {Activity} activity
 * @param {HTMLElement} box
 */
export function renderActivity(activity, box) {
  /** @type {uPlot.AlignedData} */
  const data = [
    bucketStarts(activity),
    activity.buckets.map((bucket) => bucket.delivered),
    activity.buckets.map((bucket) => bucket.failed),
    activity.buckets.map((bucket) => bucket.depth),
  ]
  if (chart) return chart.setData(data)
  const drawn = new uPlot(options(box.clientWidth), data, box)
  chart = drawn
  new ResizeObserver(() => {
    if (box.clientWidth > 0) drawn.setSize({ width: box.clientWidth, height: HEIGHT })
  }).observe(box)
}
