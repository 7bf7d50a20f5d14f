// qsp send, status, list, retry, cancel and stats, spawned as a user runs them, against the real
// service; and how qsp ends: one line on stderr, exit 0, 1 or 2.
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { postbackIn, postbackOf } from '../helpers/postbacks.js'
import { storesUnderTest } from '../helpers/redis.js'
import { startReceiver } from '../helpers/receiver.js'
import { qsp, serviceEnv } from './qsp-process.js'

const { defer, own } = cleanupAfterEach()
const stores = await storesUnderTest()

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, env: serviceEnv(app.url, TOKEN) }
}

/** Queues postbacks to `url` and waits until each has failed. */
async function failed(app: Awaited<ReturnType<typeof service>>['app'], urls: string[]): Promise<string[]> {
  const ids = []
  for (const url of urls) ids.push((await app.api('/api/queue/postback', { body: { postbackUrl: url, payload: {} } })).body.queueId as string)
  for (const id of ids) await postbackIn(app, id, ['failed'])
  return ids
}

describe.each(stores)('qsp on the %s store', (store) => {
  it('sends a postback with its options, prints its id, and shows it delivered', async () => {
    const receiver = own(await startReceiver())
    const { app, env } = await service({ STORE: store })
    const sent = await qsp(
      ['send', receiver.url('/orders'), '--data', '{"orderId":7}', '-X', 'put', '-H', 'X-Source: cli', '-H', 'X-Other: 2',
        '--delay', '10', '--max-attempts', '2', '--timeout', '1000', '--idempotency-key', 'order-7', '--ordering-key', 'order-7',
        '--callback-url', receiver.url('/done'), '--failure-callback-url', receiver.url('/failed')],
      env,
    )
    expect(sent).toMatchObject({ code: 0, stderr: '' })
    const id = sent.stdout.trim()
    await postbackIn(app, id, ['completed'])
    const [request, callback] = await receiver.waitForRequests(2)
    expect(request).toMatchObject({ method: 'PUT', path: '/orders', body: '{"orderId":7}' })
    expect(request!.headers).toMatchObject({ 'x-source': 'cli', 'x-other': '2' })
    expect(callback).toMatchObject({ method: 'POST', path: '/done' })
    expect(JSON.parse(callback!.body)).toMatchObject({ event: 'postback.completed', postback: { id } })

    const status = await qsp(['status', id], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^status\s+completed$/m)
    expect(status.stdout).toMatch(/^url\s+PUT http:\/\/127\.0\.0\.1:\d+\/orders$/m)
    expect(status.stdout).toMatch(/^payload\s+\{"orderId":7\}$/m)
    expect(status.stdout).toMatch(/^ordering key\s+order-7$/m)
    expect(status.stdout).toMatch(/^on completed\s+http:\/\/127\.0\.0\.1:\d+\/done$/m)
    expect(status.stdout).toMatch(/^ {2}1\. \S+ {2}200 {2}\d+ ms$/m)
    expect(JSON.parse((await qsp(['status', id, '--json'], env)).stdout)).toMatchObject({ id, status: 'completed', headers: { 'X-Source': 'cli' } })
  })

  it('lists failed postbacks newest first, one page or every page, as lines or JSON', async () => {
    const receiver = own(await startReceiver(() => ({ status: 500 })))
    const { app, env } = await service({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' })
    const ids = (await failed(app, [1, 2, 3].map((i) => receiver.url(`/hook/${i}`)))).reverse()
    await app.api('/api/queue/postback', { body: { postbackUrl: receiver.url('/later'), payload: {}, delayMs: 60_000 } })

    const page = await qsp(['list', '--status', 'failed', '--limit', '2'], env)
    expect(page.code).toBe(0)
    expect(page.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual(ids.slice(0, 2))
    expect(page.stdout).toMatch(/ failed +retries=0 +\S+ +POST +http:\/\/127\.0\.0\.1:\d+\/hook\/3\n/)
    expect(page.stderr).toMatch(/^more: add --cursor \S+ \(or --all\)\n$/)

    const every = await qsp(['list', '--status', 'failed', '--limit', '2', '--all', '--json'], env)
    expect(JSON.parse(every.stdout).map((p: { id: string }) => p.id)).toEqual(ids)
    const prefixed = await qsp(['list', '--url-prefix', receiver.url('/hook/2'), '--json'], env)
    expect(JSON.parse(prefixed.stdout).map((p: { id: string }) => p.id)).toEqual([ids[1]])
  })

  it('re-queues every failed postback under a URL prefix, one by one, with a progress bar', async () => {
    const receiver = own(await startReceiver(() => ({ status: 500 })))
    const { app, env } = await service({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' })
    const matching = await failed(app, [1, 2, 3, 4, 5].map((i) => receiver.url(`/a/${i}`)))
    const [other] = await failed(app, [receiver.url('/b/1')])
    receiver.respondWith(() => ({ status: 200 }))

    const retried = await qsp(['retry', '--status', 'failed', '--url-prefix', receiver.url('/a/'), '--progress'], env)
    expect(retried.code).toBe(0)
    expect(retried.stdout).toBe('re-queued 5 of 5 postback(s)\n')
    expect(retried.stderr).toMatch(/re-queueing \|.*\| 0\/5/)
    expect(retried.stderr).toMatch(/re-queueing \|.*\| 5\/5/)
    for (const id of matching) await postbackIn(app, id, ['completed'])
    expect((await postbackOf(app, other!)).status).toBe('failed')
  })
})

describe('qsp', () => {
  it('retries one postback, retries every match at once, cancels and shows stats', async () => {
    const receiver = own(await startReceiver(() => ({ status: 500 })))
    const { app, env } = await service({ POSTBACK_MAX_ATTEMPTS: '1' })
    const [one, two, three] = await failed(app, [1, 2, 3].map((i) => receiver.url(`/hook/${i}`)))
    receiver.respondWith(() => ({ status: 200 }))
    const single = await qsp(['retry', one!], env)
    expect(single.stdout).toMatch(new RegExp(`^${one} +pending `))
    await postbackIn(app, one!, ['completed'])
    expect((await qsp(['retry', '--at-once'], env)).stdout).toBe('re-queued 2 postback(s)\n')
    for (const id of [two!, three!]) await postbackIn(app, id, ['completed'])

    const later = (await qsp(['send', receiver.url('/later'), '--delay', '60000'], env)).stdout.trim()
    expect((await qsp(['cancel', later], env)).stdout).toMatch(new RegExp(`^${later} +canceled `))
    const stats = await qsp(['stats'], env)
    expect(stats.stdout).toMatch(/^pending=0 {2}processing=0 {2}completed=3 {2}failed=0 {2}canceled=1$/m)
    expect(JSON.parse((await qsp(['stats', '--json'], env)).stdout)).toMatchObject({ total: 4 })
  })

  it('reads the payload from a file or from standard input', async () => {
    const receiver = own(await startReceiver())
    const { env } = await service()
    const dir = await tempDir()
    defer(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'payload.json')
    await writeFile(file, '{"from":"file"}')
    expect((await qsp(['send', receiver.url(), '--data', `@${file}`], env)).code).toBe(0)
    expect((await qsp(['send', receiver.url(), '--data', '-'], env, '{"from":"stdin"}')).code).toBe(0)
    const bodies = (await receiver.waitForRequests(2)).map((request) => request.body).sort()
    expect(bodies).toEqual(['{"from":"file"}', '{"from":"stdin"}'])
  })

  it('exits 2 with one line on stderr when the command line is wrong, before calling the service', async () => {
    const { env } = await service()
    const usage = [
      [['send'], "qsp: missing required argument 'url'"],
      [['send', 'https://example.com/', '--data', '{oops'], "qsp: option '-d, --data <json>' argument '{oops' is invalid. not valid JSON"],
      [['send', 'https://example.com/', '--data', '[1]'], 'expected a JSON object'],
      [['send', 'https://example.com/', '-X', 'DELETE'], 'expected one of GET, POST, PUT, PATCH'],
      [['send', 'https://example.com/', '--delay', 'soon'], 'expected a whole number from 0'],
      [['list', '--status', 'lost'], 'expected one of pending, processing, completed, failed, canceled'],
      [['retry', 'some-id', '--url-prefix', 'https://example.com/'], 'qsp: give either a postback id or filter options, not both'],
      [['dispatch', '--event', 'hello'], 'qsp: dispatch needs --channel, --channels, --user or --users'],
      [['nonsense'], "qsp: unknown command 'nonsense'"],
      [['--url', 'localhost:3000', 'stats'], 'qsp: the service URL must start with http:// or https:// (got "localhost:3000")'],
    ] as const
    for (const [args, message] of usage) {
      const result = await qsp([...args], env)
      expect(result, args.join(' ')).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1)
      expect(result.stderr, args.join(' ')).toContain(message)
    }
    const noToken = await qsp(['stats'], serviceEnv(env.QSP_URL, undefined))
    expect(noToken).toEqual({ code: 2, stdout: '', stderr: 'qsp: set QSP_TOKEN to the service API_TOKEN\n' })
  })

  it('exits 1 with the service’s code and message when it refuses, or when nothing answers', async () => {
    const { app, env } = await service()
    expect(await qsp(['status', 'no-such-id'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'qsp: NOT_FOUND (404): No postback with id no-such-id\n',
    })
    const invalid = await qsp(['send', 'ftp://example.com/'], env)
    expect(invalid).toMatchObject({ code: 1, stdout: '' })
    expect(invalid.stderr).toMatch(/^qsp: VALIDATION_ERROR \(400\): .*postbackUrl.*\n$/)
    expect((await qsp(['stats'], serviceEnv(app.url, 'wrong-token'))).stderr).toMatch(/^qsp: UNAUTHORIZED \(401\): /)

    await app.close()
    expect(await qsp(['stats'], env)).toEqual({ code: 1, stdout: '', stderr: `qsp: cannot reach ${app.url}: ECONNREFUSED\n` })
  })

  it('prints help and its version with exit 0', async () => {
    const help = await qsp(['--help'], serviceEnv(undefined, undefined))
    expect(help.code).toBe(0)
    for (const command of ['send', 'status', 'list', 'retry', 'tail', 'token', 'dispatch']) expect(help.stdout).toContain(`  ${command} `)
    expect(help.stdout).toContain('QSP_TOKEN')
    expect(await qsp(['--version'], serviceEnv(undefined, undefined))).toEqual({ code: 0, stdout: '1.0.0\n', stderr: '' })
  })
})
