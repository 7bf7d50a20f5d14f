// The examples keep working: the Node backend script, and the plain HTML client in Chromium.
import { spawn } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { TOKEN, startApp, type TestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser } from '../helpers/browser.js'

const EXAMPLES = new URL('../../examples/', import.meta.url)
const { defer, own } = cleanupAfterEach()

async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const started = own(await startApp(env))
  return started
}

describe('the README, docs/ and examples/', () => {
  const DOCS = ['../README.md', '../RELIABILITY.md', '../BENCHMARKS.md', 'README.md', 'backend.mjs', 'browser-client.html']
  /** Every page of docs/, as a path from examples/. */
  const docsPages = async () =>
    (await readdir(new URL('../docs/', EXAMPLES))).filter((name) => name.endsWith('.md')).map((name) => `../docs/${name}`)
  /** The service's address and token always go by these two names. */
  const SERVICE = ['QSP_URL', 'QSP_TOKEN']

  /** Variables read by snippets: `$NAME` in shell blocks, `process.env.NAME` anywhere. */
  async function variablesUsed(): Promise<Map<string, string>> {
    const used = new Map<string, string>()
    const pages = await docsPages()
    expect(pages.length).toBeGreaterThan(0)
    for (const doc of [...DOCS, ...pages]) {
      const text = await readFile(new URL(doc, EXAMPLES), 'utf8')
      const shell = doc.endsWith('.md') ? [...text.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n') : ''
      for (const [, name] of shell.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) used.set(name!, doc)
      for (const [, name] of text.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) used.set(name!, doc)
    }
    return used
  }

  it('call the service address and token QSP_URL and QSP_TOKEN, and nothing else', async () => {
    const configuration = await readFile(new URL('../.env.example', EXAMPLES), 'utf8')
    const configVariables = [...configuration.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!)
    // Besides the two: the example's own receiver and the service's variables (a receiver reads
    // POSTBACK_SIGNING_SECRET, say).
    const allowed = new Set([...SERVICE, 'RECEIVER_URL', ...configVariables])
    const used = await variablesUsed()
    const strays = [...used].filter(([name]) => !allowed.has(name)).map(([name, doc]) => `${name} in ${doc}`)
    expect(strays).toEqual([])
    for (const name of SERVICE) expect(used.has(name), name).toBe(true)
  })
})

describe('examples/backend.mjs', () => {
  it('queues, hears the end over the socket, verifies the signature, mints and dispatches through the client', async () => {
    const signing = { POSTBACK_SIGNING_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }
    const service = await app(signing)
    const child = spawn(process.execPath, [new URL('backend.mjs', EXAMPLES).pathname], {
      env: { PATH: process.env.PATH ?? '', QSP_URL: service.url, QSP_TOKEN: TOKEN, ...signing },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code, output).toBe(0)
    expect(output).toMatch(/receiver: signature verified\nreceiver got POST \/webhook webhook-id=\d+-\S+ body=\{"event":"order.paid"/)
    expect(output).toMatch(/status completed after 1 attempt/)
    expect(output).toMatch(/client token for user-123/)
    expect(output).toMatch(/dispatched to 0 socket\(s\) \(fallback \d+-/)
  })
})

describe.runIf(chromiumAvailable())('examples/browser-client.html in Chromium', () => {
  it('connects with a client token and shows a dispatched event', async () => {
    const page = await readFile(new URL('browser-client.html', EXAMPLES))
    const pages: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page))
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
    defer(() => new Promise((resolve) => pages.close(resolve)))
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
    const service = await app({ ALLOWED_ORIGINS: origin })
    const { token } = (await service.api('/api/socket/token', { body: { userId: 'user-123', channels: ['team-7'] } })).body

    const browser = own(await launchBrowser())
    const tab = await browser.newPage()
    await tab.goto(`${origin}/browser-client.html`)
    await tab.fill('#url', service.url)
    await tab.fill('#token', token)
    await tab.click('#connect button')
    await tab.waitForSelector('#log:has-text("connected")')
    expect(await tab.textContent('#log')).toContain('"channel":"team-7"')

    const dispatched = await service.api('/api/socket/dispatch', { body: { userId: 'user-123', event: 'hello', data: { from: 'test' }, ack: true, ackTimeoutMs: 2000 } })
    expect(dispatched.body).toMatchObject({ dispatchedCount: 1, ackedCount: 1 })
    await tab.waitForSelector('#log:has-text("hello")')
  })
})
