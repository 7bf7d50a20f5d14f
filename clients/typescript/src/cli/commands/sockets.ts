// qsp token and qsp dispatch: minting client tokens and pushing events to sockets.
import type { Command } from 'commander'
import type { DispatchRequest } from '../../types.js'
import { UsageError } from '../failures.js'
import { printJson } from '../format.js'
import { collect, integer, json, jsonObject, names } from '../options.js'
import { clientFor, type Service } from '../settings.js'

interface TokenOptions {
  user: string
  channel?: string[]
  expiresIn?: number
  info?: Record<string, unknown>
  json?: boolean
}

interface DispatchOptions {
  event: string
  channel?: string
  channels?: string[]
  user?: string
  users?: string[]
  except?: string
  data?: unknown
  durable?: boolean
  ttl?: number
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
    .option('--info <json>', 'what presence channels show about the user: a JSON object of at most 1 KiB', jsonObject)
    .option('--json', 'print {token, expiresAt}')
    .action(async (options: TokenOptions) => {
      const answer = await clientFor(target()).clientToken({
        userId: options.user,
        channels: options.channel,
        expiresIn: options.expiresIn,
        info: options.info,
      })
      if (options.json) printJson(answer)
      else console.log(answer.token)
    })

  program
    .command('dispatch')
    .description('send an event to channels, users, or users in channels; durably to users')
    .requiredOption('-e, --event <name>', 'the event name clients listen to')
    .option('-c, --channel <channel>', 'every socket in this channel (with --user: only that user’s)')
    .option('--channels <a,b>', 'every socket in any of these channels (up to 100)', names)
    .option('-u, --user <userId>', 'every socket of this user')
    .option('--users <a,b>', 'every socket of any of these users (up to 100)', names)
    .option('--except <socketId>', 'leave this socket out')
    .option('-d, --data <json>', 'the event data, any JSON (or @file, or - for standard input)', json)
    .option('--durable', 'with --user or --users: store it until each user’s sockets ack it, replayed on every connect')
    .option('--ttl <seconds>', 'with --durable: drop it unacked after this long (604800 by default)', integer(1))
    .option('--ack', 'wait for clients to acknowledge and count them')
    .option('--ack-timeout <ms>', 'how long to wait for acknowledgements', integer(1))
    .option('--fallback-url <url>', 'when nobody receives it (or acknowledges it), queue it as a postback here')
    .option('--json', 'print the whole answer as JSON')
    .action(async (options: DispatchOptions) => {
      const { channel, channels, user, users } = options
      if ([channel, channels, user, users].every((target) => target === undefined)) {
        throw new UsageError('dispatch needs --channel, --channels, --user or --users')
      }
      const request: DispatchRequest = {
        event: options.event,
        channel,
        channels,
        userId: user,
        userIds: users,
        exceptSocketId: options.except,
        data: options.data,
        durable: options.durable,
        ttlSeconds: options.ttl,
        ack: options.ack,
        ackTimeoutMs: options.ackTimeout,
        fallback: options.fallbackUrl === undefined ? undefined : { postbackUrl: options.fallbackUrl },
      }
      const answer = await clientFor(target()).dispatch(request)
      if (options.json) return printJson(answer)
      const acked = answer.ackedCount === undefined ? '' : `, ${answer.ackedCount} acknowledged`
      const fallback = answer.fallbackQueueId === undefined ? '' : `; queued as postback ${answer.fallbackQueueId}`
      const stored = answer.messageId === undefined ? '' : `; stored as message ${answer.messageId}`
      console.log(`dispatched to ${answer.dispatchedCount} socket(s)${acked}${fallback}${stored}`)
    })
}
