// The dashboard's Realtime card in a real browser: presence channels filled by real socket.io
// clients, durable inboxes filled by real dispatches, and Clear going through the real API.
import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import type * as dashboard from '../../public/dashboard/api-types.js'
import type { InboxStats } from '../../src/realtime/schemas/inbox.js'
import type { Presence } from '../../src/realtime/schemas/presence.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser, openPage, signIn } from '../helpers/browser.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { connect } from '../helpers/sockets.js'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

const { defer } = cleanupAfterEach()

let app: TestApp
let browser: Browser

describe('the dashboard’s realtime shapes', () => {
  it('are fitted by the server’s own answers', () => {
    expectTypeOf<Presence>().toExtend<dashboard.Presence>()
    expectTypeOf<InboxStats>().toExtend<dashboard.InboxStats>()
  })
})

describe.runIf(chromiumAvailable())('the dashboard’s Realtime card, in Chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    // A short debounce: a member who leaves is gone from the list soon after.
    app = await startApp({ SOCKET_OCCUPANCY_DEBOUNCE_MS: '100' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  async function dashboard(): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser, `${app.url}/dashboard`, { width: 1280, height: 900 })
    await signIn(opened.page, TOKEN)
    return opened
  }

  /** A real client in `channel` as `userId`: with a client token carrying `info`, or the API token and auth.info. */
  async function member(channel: string, userId: string, info: Record<string, unknown>, via: 'client token' | 'auth.info') {
    let auth: Record<string, unknown> = { token: TOKEN, info }
    if (via === 'client token') {
      const minted = await app.api('/api/socket/token', { body: { userId, channels: [channel], info } })
      auth = { token: minted.body.token }
    }
    const { socket } = await connect(app.url, { channel, userId }, { auth })
    defer(() => socket.close())
    return socket
  }

  it('shows each presence channel’s members with their info, and a member who leaves goes', async () => {
    await member('presence-team-7', 'ana', { name: 'Ana' }, 'client token')
    const bia = await member('presence-team-7', 'bia', { name: 'Bia', role: 'admin' }, 'auth.info')
    await member('presence-lobby', 'cid', { name: 'Cid' }, 'auth.info')
    await member('plain-channel', 'dan', { name: 'Dan' }, 'auth.info')
    const { page, errors } = await dashboard()

    const team = '#presence .channel[data-channel="presence-team-7"]'
    await page.waitForSelector(`${team} li[data-user="bia"]`)
    expect(await page.textContent(`${team} .muted`)).toBe(' · 2 members')
    expect(await page.$$eval(`${team} li`, (items) => items.map((li) => [li.querySelector('.member')?.textContent, li.querySelector('.info')?.textContent]))).toEqual([
      ['ana', '{"name":"Ana"}'],
      ['bia', '{"name":"Bia","role":"admin"}'],
    ])
    expect(await page.$$eval('#presence .channel', (groups) => groups.map((g) => g.getAttribute('data-channel')))).toEqual([
      'presence-lobby',
      'presence-team-7',
    ])
    await page.screenshot({ path: new URL('dashboard-presence.png', ARTIFACTS).pathname })

    bia.close()
    await page.waitForSelector(`${team} li[data-user="bia"]`, { state: 'detached' })
    expect(await page.textContent(`${team} .muted`)).toBe(' · 1 member')
    expect(errors).toEqual([])
  })

  it('lists the users with durable messages waiting, most first, and Clear empties an inbox through the API', async () => {
    const dispatch = (userId: string, n: number) =>
      app.api('/api/socket/dispatch', { body: { userId, event: 'invoice.ready', data: { n }, durable: true } })
    for (let n = 0; n < 3; n++) await dispatch('offline-eve', n)
    await dispatch('offline-fay', 0)
    const { page, errors } = await dashboard()

    await page.waitForSelector('#inboxes tr.inbox[data-user="offline-fay"]')
    const rows = await page.$$eval('#inboxes tr.inbox', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)))
    expect(rows).toEqual([
      ['offline-eve', '3'],
      ['offline-fay', '1'],
    ])

    page.once('dialog', (dialog) => void dialog.accept())
    await page.click('#inboxes tr.inbox[data-user="offline-eve"] button:has-text("Clear")')
    await page.waitForSelector('#inboxes tr.inbox[data-user="offline-eve"]', { state: 'detached' })
    expect((await app.api('/api/socket/users/offline-eve/inbox')).body).toEqual({ userId: 'offline-eve', pending: 0, oldestAt: null })
    expect((await app.api('/api/socket/users/offline-fay/inbox')).body.pending).toBe(1)

    // Declining the question keeps the messages.
    page.once('dialog', (dialog) => void dialog.dismiss())
    await page.click('#inboxes tr.inbox[data-user="offline-fay"] button:has-text("Clear")')
    await page.waitForSelector('#inboxes tr.inbox[data-user="offline-fay"] button:not([disabled])')
    expect((await app.api('/api/socket/users/offline-fay/inbox')).body.pending).toBe(1)

    await page.screenshot({ path: new URL('dashboard-realtime.png', ARTIFACTS).pathname, fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0)
    expect(errors).toEqual([])
  })
})
