// qsp token and qsp dispatch: the realtime side of the API.
import type { Command } from 'commander'
import type { DispatchRequest } from '../../types.js'
import { UsageError } from '../failures.js'
import { printJson } from '../format.js'
import { collect, integer, json } from '../options.js'
import { clientFor, type Service } from '../settings.js'

interface TokenOptions {
  user: string
  channel?: string[]
  expiresIn?: number
  json?: boolean
}

interface DispatchOptions {
  event: string
  channel?: string
  user?: string
  data?: unknown
  ack?: boolean
  ackTimeout?: number
  fallbackUrl?: string
  json?: boolean
}

export function socketCommands(program: Command, target: () => Service): void {
  program
    .command('token')
    .description('mint a client token for a browser or app; prints the token')
    .requiredOption('-u, --user <userId>', 'the only user the token connects as')
    .option('-c, --channel <channel>', 'a channel it may join (repeatable; any channel when absent)', collect)
    .option('--expires-in <seconds>', 'how long it stays valid (3600 by default)', integer(1))
    .option('--json', 'print {token, expiresAt}')
    .action(async (options: TokenOptions) => {
      const answer = await clientFor(target()).clientToken({
        userId: options.user,
        channels: options.channel,
        expiresIn: options.expiresIn,
      })
      if (options.json) printJson(answer)
      else console.log(answer.token)
    })

  program
    .command('dispatch')
    .description('send an event to a channel, a user, or a user in a channel')
    .requiredOption('-e, --event <name>', 'the event name clients listen to')
    .option('-c, --channel <channel>', 'every socket in this channel (with --user: only that user’s)')
    .option('-u, --user <userId>', 'every socket of this user')
    .option('-d, --data <json>', 'the event data, any JSON (or @file, or - for standard input)', json)
    .option('--ack', 'wait for clients to acknowledge and count them')
    .option('--ack-timeout <ms>', 'how long to wait for acknowledgements', integer(1))
    .option('--fallback-url <url>', 'when nobody receives it (or acknowledges it), queue it as a postback here')
    .option('--json', 'print the whole answer as JSON')
    .action(async (options: DispatchOptions) => {
      if (options.channel === undefined && options.user === undefined) throw new UsageError('dispatch needs --channel, --user or both')
      const request: DispatchRequest = {
        event: options.event,
        channel: options.channel,
        userId: options.user,
        data: options.data,
        ack: options.ack,
        ackTimeoutMs: options.ackTimeout,
        fallback: options.fallbackUrl === undefined ? undefined : { postbackUrl: options.fallbackUrl },
      }
      const answer = await clientFor(target()).dispatch(request)
      if (options.json) return printJson(answer)
      const acked = answer.ackedCount === undefined ? '' : `, ${answer.ackedCount} acknowledged`
      const fallback = answer.fallbackQueueId === undefined ? '' : `; queued as postback ${answer.fallbackQueueId}`
      console.log(`dispatched to ${answer.dispatchedCount} socket(s)${acked}${fallback}`)
    })
}
