// Attaches Socket.IO to the app's HTTP server (joined to the cluster with SOCKET_ADAPTER=redis) and
// decorates the app with the realtime service, the durable inbox, client tokens, and the socket
// lifecycle and channel occupancy events.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createTokenCheck } from '../../auth/api-token.js'
import { clientTokenKey, createClientTokens, type ClientTokens } from '../../auth/client-tokens.js'
import { allowedOrigins, type Config } from '../../config.js'
import { joinCluster, localPeers } from '../../realtime/cluster.js'
import type { LifecycleEvent } from '../../realtime/events.js'
import { createInbox, type Inbox } from '../../realtime/inbox/inbox.js'
import { announcer, type OccupancyListener } from '../../realtime/membership/announce.js'
import { createLocalTracker } from '../../realtime/membership/local-tracker.js'
import { openRedisTracker } from '../../realtime/membership/redis-tracker.js'
import { createSocketMembership } from '../../realtime/membership/socket-membership.js'
import type { MembershipEvent, TrackerOptions } from '../../realtime/membership/tracker.js'
import { createRealtime, type Realtime } from '../../realtime/realtime.js'
import { openInboxStore, socketAdapterOf } from '../../stores/registry.js'
import { createSocketServer, type IoServer } from '../../realtime/socket-server.js'

declare module 'fastify' {
  interface FastifyInstance {
    io: IoServer
    realtime: Realtime
    inbox: Inbox
    clientTokens: ClientTokens
    /** Registers a listener for socket connects, disconnects and messages. */
    onSocketLifecycle(listener: (event: LifecycleEvent) => void): void
    /** Registers a listener for channels filling and emptying (tracked only with SOCKET_WEBHOOK_URL). */
    onChannelOccupancy(listener: OccupancyListener): void
  }
}

async function realtime(app: FastifyInstance, { config }: { config: Config }) {
  const clientTokens = createClientTokens(clientTokenKey(config.API_TOKEN, config.SOCKET_TOKEN_SECRET))
  const listeners: ((event: LifecycleEvent) => void)[] = []
  const occupancyListeners: OccupancyListener[] = []
  const log = { warn: (details: object, message: string) => app.log.warn(details, message) }
  const cluster = socketAdapterOf(config) === 'redis'

  // Membership changes are announced through the socket server, which needs the tracker first.
  let ready: (announce: (event: MembershipEvent) => Promise<void>) => void = () => undefined
  const announce = new Promise<(event: MembershipEvent) => Promise<void>>((resolve) => (ready = resolve))
  const trackerOptions: TrackerOptions = {
    debounceMs: config.SOCKET_OCCUPANCY_DEBOUNCE_MS,
    occupancy: config.SOCKET_WEBHOOK_URL !== undefined,
    handle: async (event) => (await announce)(event),
    log,
  }
  const tracker = cluster ? await openRedisTracker(config.REDIS_URL, config.REDIS_PREFIX, trackerOptions) : createLocalTracker(trackerOptions)
  const membership = createSocketMembership(tracker, log)

  const recovery = {
    windowMs: config.SOCKET_RECOVERY_MS,
    maxKeptBytes: config.SOCKET_RECOVERY_MAX_BYTES,
    maxReplayBytes: config.SOCKET_RECOVERY_MAX_REPLAY_BYTES,
  }
  // Sockets connect only once the app listens, after the inbox below exists.
  const io = createSocketServer(app.server, {
    path: config.SOCKET_PATH,
    corsOrigin: allowedOrigins(config),
    auth: { checkApiToken: createTokenCheck(config.API_TOKEN), clientTokens },
    maxPayloadBytes: config.SOCKET_MAX_PAYLOAD_BYTES,
    eventsPerSecond: config.SOCKET_EVENTS_PER_SECOND,
    relay: config.SOCKET_RELAY,
    recovery,
    maxSocketsPerUser: config.SOCKET_MAX_PER_USER,
    membership,
    onConnected: async (socket) =>
      inbox.replay(socket).catch((error: unknown) => app.log.warn({ err: error, userId: socket.data.userId }, 'inbox not replayed')),
    onLifecycle: (event) => {
      for (const listener of listeners) listener(event)
    },
  })
  ready(announcer(io, occupancyListeners))
  const peers = cluster ? joinCluster(io, { url: config.REDIS_URL, prefix: config.REDIS_PREFIX, recovery }) : localPeers(io)
  const inboxStore = await openInboxStore(config, { warn: (message) => app.log.warn(message), error: (message) => app.log.error(message) })
  const inbox = createInbox(io, peers, inboxStore, { maxPerUser: config.SOCKET_INBOX_MAX_PER_USER, log })
  app.decorate('io', io)
  app.decorate('realtime', createRealtime(io, peers, tracker, app.metrics.dispatchObserver))
  app.decorate('inbox', inbox)
  app.decorate('clientTokens', clientTokens)
  app.decorate('onSocketLifecycle', (listener: (event: LifecycleEvent) => void) => void listeners.push(listener))
  app.decorate('onChannelOccupancy', (listener: OccupancyListener) => void occupancyListeners.push(listener))
  // Sockets go first so that the HTTP server can finish closing; their leaving is recorded (and,
  // with one instance, announced) while the postbacks can still be queued. Their connections are
  // closed rather than disconnected, so that clients reconnect by themselves, to another instance
  // behind the load balancer (and, within the recovery window, get what they missed).
  app.addHook('preClose', async () => {
    io.engine.close()
    await membership.settled()
    await tracker.close()
  })
  app.addHook('onClose', async () => {
    await peers.close()
    await inbox.close()
  })
}

export default fp(realtime, { name: 'realtime', dependencies: ['metrics'] })
