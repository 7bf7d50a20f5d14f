// Debian's Chromium driven by playwright-core; no browser is ever downloaded.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Whether the browser tests can run; in CI a missing Chromium is a failure. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI and is not at ${CHROMIUM}`)
  console.warn(`Chromium is not at ${CHROMIUM}: the browser tests are not run (apt-get install -y chromium)`)
  return false
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
}

/** A page at `url` that collects console errors and uncaught exceptions, CSP violations included. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport })
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(url)
  return { page, errors }
}

/** Signs in to the dashboard on `page` with `token` and waits for the board. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token)
  await page.click('#login-form button[type=submit]')
  await page.waitForSelector('#board:not([hidden])')
}
