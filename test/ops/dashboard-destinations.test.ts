// The dashboard's Destinations card and live chart, in a real browser against the real API.
import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser, openPage, signIn } from '../helpers/browser.js'
import { postbackIn } from '../helpers/postbacks.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/wait.js'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

let app: TestApp
let receiver: Receiver
let browser: Browser
/** The receiver's destination, as the API names it. */
let destination: string

describe.runIf(chromiumAvailable())('the dashboard’s destinations and activity, in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    receiver = await startReceiver((request) => ({ status: request.path === '/failing' ? 500 : 200 }))
    destination = new URL(receiver.url()).origin
    app = await startApp()
    browser = await launchBrowser()
    const ids: string[] = []
    for (const path of ['/ok', '/ok', '/ok', '/failing', '/failing']) {
      const { body } = await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url(path), payload: {}, maxAttempts: 1 } })
      ids.push(body.queueId)
    }
    for (const id of ids) await postbackIn(app, id, ['completed', 'failed'])
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await receiver?.close()
  })

  /** The dashboard, signed in; the test fails on any console error, CSP violations included. */
  async function dashboard(): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser, `${app.url}/dashboard`, { width: 1280, height: 900 })
    await signIn(opened.page, TOKEN)
    return opened
  }

  const stateOf = async () => (await app.api(`/api/destinations/${encodeURIComponent(destination)}`)).body.state

  it('lists the receiver as a destination, and Pause and Resume change its state through the API', async () => {
    const { page, errors } = await dashboard()
    const row = `tr.destination[data-destination="${destination}"]`
    await page.waitForSelector(`${row} .badge.active`)
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent))
    expect(cells.slice(0, 7)).toEqual([destination, 'active', expect.stringMatching(/^\d+$/), '0', '40%', '0', 'HTTP 500 Internal Server Error'])

    await page.click(`${row} button:has-text("Pause")`)
    await page.waitForSelector(`${row} .badge.paused`)
    expect(await stateOf()).toBe('paused')

    await page.click(`${row} button:has-text("Resume")`)
    await page.waitForSelector(`${row} .badge.active`)
    expect(await stateOf()).toBe('active')
    expect(errors).toEqual([])
  })

  it('draws deliveries and failures of the last 15 minutes, and the destination’s failure rate as a sparkline', async () => {
    const { page, errors } = await dashboard()
    // The chart's own data, read from the uPlot instance the page drew (the module the page loaded).
    const drawn = await waitFor(
      async () => {
        const totals = await page.evaluate<{ delivered: number; failed: number; points: number } | null>(
          `import('/dashboard/activity.js').then(({ activityChart }) => {
             const chart = activityChart()
             if (!chart) return null
             const sum = (values) => values.reduce((a, b) => a + (b ?? 0), 0)
             return { delivered: sum(chart.data[1]), failed: sum(chart.data[2]), points: chart.data[0].length }
           })`,
        )
        return totals !== null && totals.delivered >= 3 && totals.failed >= 2 && totals
      },
      { what: 'the chart to show 3 deliveries and 2 failures' },
    )
    expect(drawn).toEqual({ delivered: 3, failed: 2, points: 90 })

    // Pixels of the "delivered" line's colour on the chart's canvas: the line was drawn.
    const greenPixels = await page.evaluate<number>(
      `(() => {
         const canvas = document.querySelector('#activity-chart canvas')
         const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
         let count = 0
         for (let i = 0; i < data.length; i += 4) {
           if (Math.abs(data[i] - 0x1c) < 24 && Math.abs(data[i + 1] - 0x7c) < 24 && Math.abs(data[i + 2] - 0x4d) < 24 && data[i + 3] > 200) count++
         }
         return count
       })()`,
    )
    expect(greenPixels).toBeGreaterThan(0)

    const rates = await page.evaluate<(number | null)[]>(
      `import('/dashboard/destinations.js').then(({ destinationSparklines }) => destinationSparklines().get(${JSON.stringify(destination)}).data[1])`,
    )
    expect(rates).toHaveLength(90)
    expect(rates.some((rate) => rate !== null && rate > 0)).toBe(true)
    expect(await page.isVisible(`tr.destination[data-destination="${destination}"] td.sparkline canvas`)).toBe(true)

    await page.screenshot({ path: new URL('dashboard-destinations.png', ARTIFACTS).pathname, fullPage: true })
    expect(errors).toEqual([])
  })
})
