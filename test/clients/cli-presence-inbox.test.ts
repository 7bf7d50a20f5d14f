// qsp dispatch to many targets and durably, qsp presence and qsp inbox, spawned as a user runs
// them, against the real service.
import { QspClient, connectRealtime, type Realtime, type RealtimeOptions } from '@queue-socket-provider/client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'
import { qsp, serviceEnv } from './qsp-process.js'

const { own } = cleanupAfterEach()
const stores = await storesUnderTest()

async function service(env: Record<string, string> = {}) {
  const app = own(await startApp(env))
  return { app, env: serviceEnv(app.url, TOKEN), client: new QspClient({ url: app.url, token: TOKEN }) }
}

const connect = async (options: RealtimeOptions): Promise<Realtime> =>
  own(await connectRealtime({ socket: { reconnection: false }, ...options }))

describe.each(stores)('qsp dispatch --durable and qsp inbox on the %s store', (store) => {
  it('stores a message for offline users, shows and lists their inboxes, and clears one', async () => {
    const { env, client } = await service({ STORE: store })
    const stored = await qsp(['dispatch', '--durable', '--user', 'eve', '--event', 'invoice.ready', '--data', '{"id":7}', '--ttl', '3600'], env)
    expect(stored).toMatchObject({ code: 0, stderr: '' })
    expect(stored.stdout).toMatch(/^dispatched to 0 socket\(s\); stored as message \S+\n$/)
    const both = await qsp(['dispatch', '--durable', '--users', 'eve,fay', '--event', 'invoice.ready', '--json'], env)
    expect(JSON.parse(both.stdout)).toMatchObject({ dispatchedCount: 0, messageId: expect.any(String) })

    const { oldestAt } = await client.inbox('eve')
    expect(await qsp(['inbox', 'eve'], env)).toEqual({ code: 0, stdout: `eve  2 pending  oldest ${oldestAt}\n`, stderr: '' })
    const listed = await qsp(['inbox'], env)
    expect(listed.stdout).toMatch(/^eve {2}2 pending {2}oldest \S+\nfay {2}1 pending {2}oldest \S+\n$/)
    expect(JSON.parse((await qsp(['inbox', '--limit', '1', '--json'], env)).stdout)).toEqual([await client.inbox('eve')])

    expect(await qsp(['inbox', 'eve', '--clear'], env)).toEqual({ code: 0, stdout: 'cleared 2 message(s) for eve\n', stderr: '' })
    expect(await client.inbox('eve')).toEqual({ userId: 'eve', pending: 0, oldestAt: null })
    expect((await qsp(['inbox', 'eve'], env)).stdout).toBe('eve  nothing pending\n')
    expect((await qsp(['inbox', 'fay', '--clear'], env)).stdout).toBe('cleared 1 message(s) for fay\n')
    expect(await qsp(['inbox'], env)).toEqual({ code: 0, stdout: '', stderr: 'no durable message is waiting\n' })
  })
})

describe('qsp dispatch to many targets', () => {
  it('sends to every socket in --channels, leaving out --except', async () => {
    const { app, env } = await service()
    const sockets = await Promise.all(
      ['team-1', 'team-2', 'team-2', 'team-3'].map((channel) => connect({ url: app.url, token: TOKEN, channel })),
    )
    const seen = sockets.map((realtime) => {
      const data: unknown[] = []
      realtime.onEvent('release', (message) => data.push(message.data))
      return data
    })
    const args = ['dispatch', '--channels', 'team-1, team-2', '--except', sockets[2]!.info!.socketId, '--event', 'release', '--data', '"2.1"']
    expect(await qsp(args, env)).toEqual({ code: 0, stdout: 'dispatched to 2 socket(s)\n', stderr: '' })
    await waitFor(() => seen[0]!.length === 1 && seen[1]!.length === 1, { what: 'the release on team-1 and team-2' })
    await Promise.all(sockets.map((realtime) => realtime.ping()))
    expect(seen).toEqual([['2.1'], ['2.1'], [], []])
  })

  it('refuses --durable to a channel with the service’s answer, and bad usage with exit 2', async () => {
    const { env } = await service()
    const refused = await qsp(['dispatch', '--durable', '--channel', 'team-1', '--event', 'x'], env)
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^qsp: VALIDATION_ERROR \(400\): .*channel.*\n$/) })
    expect(await qsp(['dispatch', '--channels', 'a,,b', '--event', 'x'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--channels/) })
    expect(await qsp(['inbox', '--clear'], env)).toMatchObject({ code: 2, stderr: 'qsp: --clear needs the user whose inbox to clear\n' })
  })
})

describe('qsp presence', () => {
  it('lists the members of a presence channel with the info of their client tokens (qsp token --info)', async () => {
    const { app, env } = await service()
    const minted = await qsp(['token', '--user', 'ana', '--channel', 'presence-team', '--info', '{"name":"Ana"}'], env)
    expect(minted.code).toBe(0)
    await connect({ url: app.url, token: minted.stdout.trim(), channel: 'presence-team' })
    await connect({ url: app.url, token: TOKEN, channel: 'presence-team', userId: 'bia' })

    const listed = await qsp(['presence', 'presence-team'], env)
    expect(listed).toMatchObject({ code: 0, stderr: 'presence-team: 2 member(s)\n' })
    expect(listed.stdout).toMatch(/^ana {2}\S+ {2}\{"name":"Ana"\}\nbia {2}\S+\n$/)
    expect((await qsp(['presence', 'presence-team', '--limit', '1'], env)).stderr).toBe('presence-team: 2 member(s), 1 listed\n')
    expect(JSON.parse((await qsp(['presence', 'presence-team', '--json'], env)).stdout)).toMatchObject({ channel: 'presence-team', count: 2 })
    expect(await qsp(['presence', 'team'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^qsp: VALIDATION_ERROR \(400\): /) })
    expect(await qsp(['token', '--user', 'x', '--info', '[1]'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--info/) })
  })
})
