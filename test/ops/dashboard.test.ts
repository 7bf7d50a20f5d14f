// The dashboard and the API docs in a real browser.
import { mkdir } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser, openPage, signIn } from '../helpers/browser.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { connect, nextEvent } from '../helpers/sockets.js'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

let app: TestApp
let receiver: Receiver
let browser: Browser

describe.runIf(chromiumAvailable())('in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    receiver = await startReceiver((request) => ({ status: request.path === '/failing' ? 500 : 200 }))
    // Retries a minute away: a failed postback stays pending with its next attempt in the future.
    app = await startApp({ POSTBACK_BACKOFF_MS: '60000' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await receiver?.close()
  })

  const open = (path: string) => openPage(browser, app.url + path)

  it('asks for the token, queues a postback that turns completed, dispatches to a live client and lists it', async () => {
    const { socket } = await connect(app.url, { channel: 'dashboard-test', userId: 'watcher' })
    try {
      const { page, errors } = await open('/dashboard')
      await signIn(page, TOKEN)
      expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['qsp-api-token'])
      expect(await page.evaluate('Object.keys(localStorage)')).toEqual([])

      await page.fill('#postback-form [name=postbackUrl]', receiver.url('/from-dashboard'))
      await page.click('#postback-form button[type=submit]')
      const queued = await page.waitForSelector('#postback-form .result:has-text("Queued")')
      const id = (await queued.textContent())!.replace('Queued ', '')
      await receiver.waitForRequests(1)
      await page.waitForSelector(`tr[data-id="${id}"] .badge.completed`, { timeout: 10_000 })

      await page.click(`tr[data-id="${id}"] td.url`)
      await page.waitForSelector('tr.attempts :text("HTTP 200")')

      const arrival = nextEvent(socket, 'hello-from-dashboard')
      await page.fill('#dispatch-form [name=channel]', 'dashboard-test')
      await page.fill('#dispatch-form [name=event]', 'hello-from-dashboard')
      await page.click('#dispatch-form button[type=submit]')
      expect(await arrival).toMatchObject({ event: 'hello-from-dashboard', data: { title: 'Hi' } })
      await page.waitForSelector('#dispatch-form .result:has-text("Sent to 1 socket")')

      const channel = await page.waitForSelector('#channels .channel:has-text("dashboard-test")')
      expect(await channel.textContent()).toContain('watcher')
      expect(await page.textContent('#count-completed dd')).toBe('1')

      await page.screenshot({ path: new URL('dashboard-1280x800.png', ARTIFACTS).pathname, fullPage: true })
      await page.setViewportSize({ width: 390, height: 844 })
      await page.screenshot({ path: new URL('dashboard-phone.png', ARTIFACTS).pathname, fullPage: true })
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
      expect(overflow).toBeLessThanOrEqual(0)
      expect(errors).toEqual([])
    } finally {
      socket.close()
    }
  })

  it('shows why a postback failed in the table, and its next attempt in the future as "in …"', async () => {
    const { page, errors } = await open('/dashboard')
    await signIn(page, TOKEN)
    const { queueId } = (await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url('/failing'), payload: {} } })).body

    const cell = await page.waitForSelector(`tr[data-id="${queueId}"] td.last-error:has-text("HTTP 500 Internal Server Error")`, {
      timeout: 10_000,
    })
    expect(await page.textContent(`tr[data-id="${queueId}"] .badge`)).toBe('pending')
    await cell.click()
    const attempts = await page.waitForSelector('tr.attempts')
    expect(await attempts.textContent()).toMatch(/next attempt in (\d+s|1m)/)
    expect(await attempts.textContent()).toContain('#1 · ')
    expect(await attempts.textContent()).not.toMatch(/next attempt \d+s ago/)
    await page.screenshot({ path: new URL('dashboard-failed-postback.png', ARTIFACTS).pathname, fullPage: true })
    expect(errors).toEqual([])
  })

  it('offers Retry and Cancel where the service allows them: Cancel while pending, Retry once canceled', async () => {
    const { page, errors } = await open('/dashboard')
    await signIn(page, TOKEN)
    const { queueId } = (await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url('/later'), payload: {}, delayMs: 60_000 } })).body
    const row = `tr[data-id="${queueId}"]`
    await page.waitForSelector(`${row} .badge.pending`)
    expect(await page.$$eval(`${row} button`, (buttons) => buttons.map((b) => b.textContent))).toEqual(['Cancel'])

    await page.click(`${row} button:has-text("Cancel")`)
    await page.waitForSelector(`${row} .badge.canceled`)
    expect(await page.$$eval(`${row} button`, (buttons) => buttons.map((b) => b.textContent))).toEqual(['Retry'])

    // Re-queued due at once: the receiver gets it and it completes.
    await page.click(`${row} button:has-text("Retry")`)
    await page.waitForSelector(`${row} .badge.completed`, { timeout: 10_000 })
    expect(receiver.requests.filter((request) => request.path === '/later')).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('refuses a wrong token and says so', async () => {
    const { page } = await open('/dashboard')
    await page.fill('#token', 'wrong')
    await page.click('#login-form button[type=submit]')
    await page.waitForSelector('#login-error:has-text("refused")')
    expect(await page.isVisible('#board')).toBe(false)
  })

  it('renders the OpenAPI UI at /docs despite the content security policy', async () => {
    const { page, errors } = await open('/docs')
    await page.waitForSelector('.swagger-ui .info .title:has-text("Queue Socket Provider")', { timeout: 10_000 })
    await page.waitForSelector('.opblock-summary-path:has-text("/api/queue/postback")')
    await page.screenshot({ path: new URL('docs.png', ARTIFACTS).pathname })
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([])
  })
})
