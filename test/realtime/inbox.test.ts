// The durable inbox on one instance (SPEC §9): stored before the answer, delivered with an ack,
// replayed in order on every connect until acked, expired, bounded, cleared. Kill -9 and a second
// instance: inbox-crash.test.ts and test/cluster/inbox-cluster.test.ts.
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { storesUnderTest } from '../helpers/redis.js'
import { newLocation } from '../stores/drivers.js'
import { inboxClient } from '../helpers/inbox.js'
import { sleep, waitFor } from '../helpers/wait.js'
import { unique } from '../helpers/realtime.js'

const { defer, own } = cleanupAfterEach()

const stores = await storesUnderTest()


describe.each(stores)('%s store', (store) => {
  const start = async (env: Record<string, string> = {}) => own(await startApp({ STORE: store, ...env }))
  const dispatch = (app: TestApp, body: object) => app.api('/api/socket/dispatch', { body: { durable: true, ...body } })
  const inbox = async (app: TestApp, userId: string) => (await app.api(`/api/socket/users/${encodeURIComponent(userId)}/inbox`)).body
  /** The user's next connect: what it is replayed (recorded before `connected`, as replays follow it at once). */
  async function replayTo(app: TestApp, userId: string, count: number, acking = false): Promise<{ socket: Socket; received: any[] }> {
    const client = await inboxClient(app.url, userId, { acking })
    own(client.socket)
    await waitFor(() => client.received.length >= count, { what: `${count} replayed messages` })
    return client
  }

  it('stores before answering, delivers with messageId and an ack, and the ack removes it', async () => {
    const app = await start()
    const user = unique('user')
    const online = await replayTo(app, user, 0, true)
    const response = await dispatch(app, { userId: user, event: 'invoice.ready', data: { id: 7 } })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ success: true, message: 'Event dispatched successfully', dispatchedCount: 1, messageId: expect.any(String) })
    await waitFor(() => online.received.length === 1)
    expect(online.received[0]).toEqual({ event: 'invoice.ready', data: { id: 7 }, timestamp: expect.any(String), messageId: response.body.messageId })
    await waitFor(async () => (await inbox(app, user)).pending === 0, { what: 'the ack recorded' })
    expect(await inbox(app, user)).toEqual({ userId: user, pending: 0, oldestAt: null })
  })

  it('replays what a user has not acked on every connect, in the order stored', async () => {
    const app = await start()
    const user = unique('user')
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await dispatch(app, { userId: user, event: i % 2 ? 'odd' : 'even', data: { i } })).body.messageId)
    const stats = await inbox(app, user)
    expect(stats).toEqual({ userId: user, pending: 5, oldestAt: expect.any(String) })

    const first = await replayTo(app, user, 5)
    expect(first.received.map((m) => m.messageId)).toEqual(ids)
    expect(first.received.map((m) => m.data.i)).toEqual([0, 1, 2, 3, 4])
    first.socket.close()
    // Not acked: the next connect (any tab) gets them all again.
    const second = await replayTo(app, user, 5, true)
    expect(second.received.map((m) => m.messageId)).toEqual(ids)
    await waitFor(async () => (await inbox(app, user)).pending === 0)
    second.socket.close()
    const third = await replayTo(app, user, 0)
    await sleep(300)
    expect(third.received).toEqual([])
  })

  it('keeps the order, each message once, when messages arrive around a replay', async () => {
    const app = await start()
    const user = unique('user')
    const ids: string[] = []
    for (let i = 0; i < 150; i++) ids.push((await dispatch(app, { userId: user, event: 'n', data: { i } })).body.messageId)
    const client = await inboxClient(app.url, user)
    own(client.socket)
    for (let i = 150; i < 160; i++) ids.push((await dispatch(app, { userId: user, event: 'n', data: { i } })).body.messageId)
    await waitFor(() => client.received.length >= 160, { what: '160 messages' })
    await sleep(200)
    // Each once, in order (a message stored during the replay may come by either way, never twice).
    expect(client.received.map((m) => m.messageId)).toEqual(ids)
  })

  it('gives each user their own copy: one user acking leaves the others’ pending', async () => {
    const app = await start()
    const [ana, bia] = [unique('ana'), unique('bia')]
    const { messageId } = (await dispatch(app, { userIds: [ana, bia], event: 'notice' })).body
    const anaTab = await replayTo(app, ana, 1, true)
    expect(anaTab.received[0].messageId).toBe(messageId)
    await waitFor(async () => (await inbox(app, ana)).pending === 0)
    expect((await inbox(app, bia)).pending).toBe(1)
    expect((await replayTo(app, bia, 1)).received[0].messageId).toBe(messageId)
  })

  it('lets any of the user’s tabs ack a message for all of them', async () => {
    const app = await start()
    const user = unique('user')
    const quiet = await replayTo(app, user, 0)
    const acker = await replayTo(app, user, 0, true)
    expect((await dispatch(app, { userId: user, event: 'ping-all' })).body.dispatchedCount).toBe(2)
    await waitFor(() => quiet.received.length === 1 && acker.received.length === 1)
    await waitFor(async () => (await inbox(app, user)).pending === 0)
  })

  it('drops a message once its ttlSeconds have passed', async () => {
    const app = await start()
    const user = unique('user')
    await dispatch(app, { userId: user, event: 'short', ttlSeconds: 1 })
    await dispatch(app, { userId: user, event: 'long' })
    expect((await inbox(app, user)).pending).toBe(2)
    await waitFor(async () => (await inbox(app, user)).pending === 1, { what: 'the short one expired' })
    const client = await replayTo(app, user, 1)
    await sleep(200)
    expect(client.received.map((m) => m.event)).toEqual(['long'])
  })

  it('refuses with 409 INBOX_FULL past SOCKET_INBOX_MAX_PER_USER, storing nothing for anyone', async () => {
    const app = await start({ SOCKET_INBOX_MAX_PER_USER: '2' })
    const [ana, bia] = [unique('ana'), unique('bia')]
    await dispatch(app, { userId: ana, event: 'a' })
    await dispatch(app, { userId: ana, event: 'b' })
    const refused = await dispatch(app, { userIds: [bia, ana], event: 'c' })
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: 'INBOX_FULL', message: `user "${ana}" already has 2 messages waiting (SOCKET_INBOX_MAX_PER_USER): nothing was stored` })
    expect((await inbox(app, bia)).pending).toBe(0)
    expect((await inbox(app, ana)).pending).toBe(2)
  })

  it('clears a user’s inbox with DELETE', async () => {
    const app = await start()
    const user = unique('user')
    await dispatch(app, { userId: user, event: 'a' })
    await dispatch(app, { userId: user, event: 'b' })
    const cleared = await app.api(`/api/socket/users/${user}/inbox`, { method: 'DELETE' })
    expect(cleared.body).toEqual({ success: true, message: 'Inbox cleared', userId: user, deletedCount: 2 })
    expect(await inbox(app, user)).toEqual({ userId: user, pending: 0, oldestAt: null })
  })

  it('lists the users with messages waiting, most first, as each one’s inbox reads', async () => {
    const app = await start()
    const [ana, bia] = [unique('ana'), unique('bia')]
    await dispatch(app, { userIds: [ana, bia], event: 'a' })
    await dispatch(app, { userId: bia, event: 'b' })
    const listed = await app.api('/api/socket/inboxes')
    expect(listed.status).toBe(200)
    expect(listed.body).toEqual([await inbox(app, bia), await inbox(app, ana)])
    expect(listed.body[0]).toEqual({ userId: bia, pending: 2, oldestAt: expect.any(String) })
    expect((await app.api('/api/socket/inboxes?limit=1')).body.map((user: any) => user.userId)).toEqual([bia])

    await replayTo(app, ana, 1, true)
    await waitFor(async () => (await app.api('/api/socket/inboxes')).body.length === 1, { what: 'ana to leave the list once acked' })
    await app.api(`/api/socket/users/${bia}/inbox`, { method: 'DELETE' })
    expect((await app.api('/api/socket/inboxes')).body).toEqual([])
    expect((await app.api('/api/socket/inboxes?limit=0')).body).toMatchObject({ error: 'VALIDATION_ERROR' })
  })

  it.each([
    ['a channel', { channel: 'c', userId: 'u' }, /channel is not allowed/],
    ['channels', { channels: ['c'], userId: 'u' }, /channels is not allowed/],
    ['a fallback', { userId: 'u', fallback: { postbackUrl: 'https://example.com' } }, /fallback is not allowed/],
    ['ack', { userId: 'u', ack: true }, /ack is not allowed/],
    ['no user', { event: 'x' }, /needs userId or userIds/],
    ['a ttlSeconds over 30 days', { userId: 'u', ttlSeconds: 2_592_001 }, /ttlSeconds/],
  ])('refuses a durable dispatch with %s (400)', async (_name, body, message) => {
    const app = await start()
    const response = await dispatch(app, { event: 'x', ...body })
    expect(response.status).toBe(400)
    expect(response.body.message).toMatch(message)
  })

  it('keeps messages across a restart', async () => {
    const location = await newLocation(store)
    defer(() => location.remove())
    const first = await startApp(location.env)
    const user = unique('user')
    const ids = [(await dispatch(first, { userId: user, event: 'a' })).body.messageId, (await dispatch(first, { userId: user, event: 'b' })).body.messageId]
    await first.close()
    const second = await start(location.env)
    expect((await replayTo(second, user, 2)).received.map((m) => m.messageId)).toEqual(ids)
  })
})
