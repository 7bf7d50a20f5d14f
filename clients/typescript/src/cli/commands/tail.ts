// qsp tail: follow the operations channel ($ops) live: every postback that ends and every
// destination that is paused, resumed, quarantined or recovers, one line each.
import type { Command } from 'commander'
import { QspRefusedError } from '../../errors.js'
import { connectRealtime, type Realtime } from '../../realtime.js'
import { eventLine } from '../format.js'
import type { Service } from '../settings.js'

export const OPS_CHANNEL = '$ops'

const RECONNECT_DELAY_MS = 1000

/** The service's own replies on every connection; not events of the followed channel. */
const PROTOCOL_EVENTS = new Set(['connected', 'pong', 'message-received'])

interface TailOptions {
  channel: string
  json?: boolean
}

export function tailCommand(program: Command, target: () => Service): void {
  program
    .command('tail')
    .description('follow postbacks finishing and destination events live (the $ops channel) until Ctrl-C')
    .option('-c, --channel <channel>', 'follow another channel instead', OPS_CHANNEL)
    .option('--json', 'print each event as one line of JSON: {"name": …, "message": …}')
    .action(async (options: TailOptions) => {
      const { url, token } = target()
      const realtime = await connectRealtime({ url, token })
      let reconnect: NodeJS.Timeout | undefined
      try {
        await follow(realtime, options.channel)
        console.error(`following ${options.channel} on ${url} (Ctrl-C to stop)`)
        realtime.socket.onAny((name: string, message: unknown) => {
          if (PROTOCOL_EVENTS.has(name)) return
          console.log(options.json ? JSON.stringify({ name, message }) : eventLine(name, message))
        })
        realtime.socket.on('disconnect', (reason) => {
          console.error(`disconnected (${reason}), reconnecting…`)
          // Socket.IO leaves reconnecting to us when the service closed the connection, as it
          // does when it shuts down; a follower wants the next instance.
          if (reason === 'io server disconnect') reconnect = setTimeout(() => realtime.socket.connect(), RECONNECT_DELAY_MS)
        })
        await untilStopped(realtime, options.channel)
      } finally {
        clearTimeout(reconnect)
        realtime.socket.off('disconnect')
        realtime.close()
      }
    })
}

async function follow(realtime: Realtime, channel: string): Promise<void> {
  const answer = await realtime.subscribe(channel)
  if (!answer.ok) throw new QspRefusedError(answer.error, `cannot follow ${channel}: ${answer.message}`)
}

/** Resolves on Ctrl-C or SIGTERM; rejects when a reconnection cannot follow the channel again. */
function untilStopped(realtime: Realtime, channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
    // A connection the service could not recover comes back without its subscriptions.
    realtime.socket.on('connected', () => follow(realtime, channel).catch(reject))
  })
}
