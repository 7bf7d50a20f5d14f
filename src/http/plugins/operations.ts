// Operations events (SPEC §7): destination changes go to OPS_WEBHOOK_URL as postbacks (durable,
// signed, retried) and, with every postback's end, to the `$ops` channel, which only API-token
// sockets may join. Whether anyone listens on `$ops` (on any instance) is looked up every few
// seconds, so that ends are not read back for nobody.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError, type Config } from '../../config.js'
import type { DestinationEvent } from '../../destinations/types.js'
import type { PostbackView } from '../../postbacks/types.js'
import { OPS_CHANNEL } from '../../realtime/channel-access.js'

const LISTENERS_REFRESH_MS = 2000

export interface Operations {
  /** someone listens on `$ops` */
  listening(): boolean
  /** a postback reached completed or failed */
  postbackEnded(postback: PostbackView): void
  /** a destination changed state */
  destinationChanged(event: DestinationEvent): void
}

declare module 'fastify' {
  interface FastifyInstance {
    operations: Operations
  }
}

async function operations(app: FastifyInstance, { config }: { config: Config }) {
  const webhook = config.OPS_WEBHOOK_URL
  let listening = false
  const refresh = () =>
    app.realtime.channelStats(OPS_CHANNEL).then(
      (stats) => void (listening = stats.socketCount > 0),
      () => undefined,
    )
  const timer = setInterval(() => void refresh(), LISTENERS_REFRESH_MS)
  timer.unref()
  app.addHook('onReady', refresh)
  app.addHook('onClose', async () => clearInterval(timer))
  if (webhook !== undefined) {
    try {
      app.postbacks.validate({ postbackUrl: webhook, payload: {} })
    } catch (error) {
      throw new ConfigError(`Invalid OPS_WEBHOOK_URL: ${(error as Error).message}`)
    }
  }

  const dispatch = (event: string, data: unknown) =>
    app.realtime.dispatch({ channel: OPS_CHANNEL }, event, data).catch((error: unknown) => {
      app.log.warn({ err: error, event }, 'operations event not dispatched')
    })

  app.decorate('operations', {
    listening: () => listening,
    postbackEnded: (postback) => void dispatch(`postback.${postback.status}`, postback),
    destinationChanged(event) {
      app.metrics.destinations.destinationEvent(event)
      const body = { event: event.event, timestamp: new Date(event.at).toISOString(), destination: event.destination, reason: event.reason }
      if (event.event === 'destination.quarantined') app.log.warn(body, event.event)
      else app.log.info(body, event.event)
      if (listening) void dispatch(event.event, body)
      if (webhook === undefined) return
      app.postbacks.enqueue({ postbackUrl: webhook, payload: body }).catch((error: unknown) => {
        app.log.error({ err: error, event: event.event }, 'operations webhook not queued')
      })
    },
  } satisfies Operations)
}

export default fp(operations, { name: 'operations', dependencies: ['realtime', 'postbacks'] })
