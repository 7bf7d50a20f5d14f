// qsp destinations, spawned as a user runs it, against the real service.
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { qsp, serviceEnv } from './qsp-process.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()

describe.each(stores)('qsp destinations on the %s store', (store) => {
  it('pauses, lists, sets, shows and resumes a destination', async () => {
    const receiver = own(await startReceiver())
    const app = own(await startApp({ STORE: store }))
    const env = serviceEnv(app.url, TOKEN)
    const destination = `http://127.0.0.1:${receiver.port}`

    expect(await qsp(['destinations', 'pause', destination], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+ {2}paused /) })
    const id = (await qsp(['send', receiver.url()], env)).stdout.trim()
    const listed = await qsp(['destinations'], env)
    expect(listed.stdout).toContain(`${destination}  paused       in flight 0/0  pending 1  failures 0%`)

    const set = await qsp(['destinations', 'set', destination, '--max-concurrency', '2', '--rate', '0.5', '--timeout', '900', '--json'], env)
    expect(JSON.parse(set.stdout).settings).toEqual({ maxConcurrency: 2, ratePerSecond: 0.5, timeoutMs: 900 })
    await qsp(['destinations', 'set', destination, '--rate', 'none'], env)
    const shown = await qsp(['destinations', 'get', destination], env)
    expect(shown.stdout).toMatch(/^settings {2}max concurrency 2, rate unlimited\/s, timeout 900 ms$/m)

    expect((await qsp(['destinations', 'resume', destination], env)).stdout).toMatch(/ {2}active /)
    await postbackIn(app, id, ['completed'])
  })
})

describe('qsp destinations', () => {
  it('exits 1 for an unknown destination and 2 for a setting out of range or none at all', async () => {
    const app = own(await startApp())
    const env = serviceEnv(app.url, TOKEN)
    expect(await qsp(['destinations', 'get', 'https://never.example.com'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'qsp: NOT_FOUND (404): No destination https://never.example.com:443\n',
    })
    const zero = await qsp(['destinations', 'set', 'https://api.example.com', '--rate', '0'], env)
    expect(zero).toMatchObject({ code: 2, stderr: expect.stringContaining('expected a number above 0') })
    expect(await qsp(['destinations', 'set', 'https://api.example.com'], env)).toMatchObject({
      code: 2,
      stderr: 'qsp: give --max-concurrency, --rate or --timeout\n',
    })
  })
})
