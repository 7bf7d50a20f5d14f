// SOCKET_MAX_PER_USER: one user holds at most that many sockets on an instance; a connection past
// it is refused with connect_error TOO_MANY_SOCKETS, and a socket that leaves gives its seat back.
import { describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { connect, connectError, nextEvent, recordEvents, type ClientOptions } from '../helpers/sockets.js'
import { waitFor } from '../helpers/wait.js'

const { own } = cleanupAfterEach()

const stores = await storesUnderTest()

const refusal = (userId: string, max: number) => ({
  error: 'TOO_MANY_SOCKETS',
  message: `user "${userId}" already has ${max} sockets connected to this instance (SOCKET_MAX_PER_USER)`,
})

describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const socketOf = async (app: TestApp, userId: string, options: ClientOptions = {}) =>
    own((await connect(app.url, { userId }, options)).socket)

  it('refuses a connection past SOCKET_MAX_PER_USER, and gives a seat back when a socket leaves', async () => {
    const app = await start({ SOCKET_MAX_PER_USER: '2' })
    const first = await socketOf(app, 'ana')
    await socketOf(app, 'ana')
    expect((await connectError(app.url, { userId: 'ana' }, {})).data).toEqual(refusal('ana', 2))
    // Another user is not held back.
    await socketOf(app, 'bia')
    first.close()
    await waitFor(
      () => connect(app.url, { userId: 'ana' }).then(({ socket }) => own(socket), () => undefined),
      { what: 'a seat given back' },
    )
  })

  it('counts sockets that connect at the same moment', async () => {
    const app = await start({ SOCKET_MAX_PER_USER: '3' })
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => connect(app.url, { userId: 'ana' })))
    for (const attempt of attempts) if (attempt.status === 'fulfilled') own(attempt.value.socket)
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(3)
    for (const attempt of attempts.filter((a) => a.status === 'rejected')) {
      expect((attempt.reason as { data: unknown }).data).toEqual(refusal('ana', 3))
    }
    expect((await app.api('/api/socket/sockets/stats?userId=ana')).body.totalConnections).toBe(3)
  })

  it('counts a recovered socket too: one whose seat was taken while it was away is told and disconnected', async () => {
    const app = await start({ SOCKET_MAX_PER_USER: '1' })
    const away = await socketOf(app, 'ana', { reconnection: true, reconnectionDelay: 500, randomizationFactor: 0 })
    const events = recordEvents(away)
    away.io.engine.close()
    const newcomer = await waitFor(() => connect(app.url, { userId: 'ana' }).then(({ socket }) => own(socket), () => undefined), {
      what: 'the seat of the socket that went away',
    })
    const told = nextEvent(away, 'error', 10_000)
    expect(await told).toEqual(refusal('ana', 1))
    await waitFor(() => away.disconnected && !away.active, { what: 'the recovered socket disconnected' })
    expect(events.filter((e) => e.name === 'connected')).toEqual([])
    expect(newcomer.connected).toBe(true)
    expect((await app.api('/api/socket/sockets/stats?userId=ana')).body.totalConnections).toBe(1)
  })
})
