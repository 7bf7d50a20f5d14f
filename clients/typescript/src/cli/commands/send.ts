// qsp send <url>: queue a postback and print its id.
import type { Command } from 'commander'
import type { QueueRequest } from '../../types.js'
import { printJson } from '../format.js'
import { choice, header, integer, jsonObject, time } from '../options.js'
import { clientFor, type Service } from '../settings.js'

interface SendOptions {
  data: Record<string, unknown>
  method?: Method
  header?: Record<string, string>
  idempotencyKey?: string
  delay?: number
  runAt?: string
  maxAttempts?: number
  timeout?: number
  notifyChannel?: string
  notifyUser?: string
  orderingKey?: string
  callbackUrl?: string
  failureCallbackUrl?: string
  json?: boolean
}

type Method = NonNullable<QueueRequest['method']>
const METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const satisfies readonly Method[]

export function sendCommand(program: Command, target: () => Service): void {
  program
    .command('send')
    .description('queue a postback: deliver JSON to a URL, durably, with retries; prints its id')
    .argument('<url>', 'absolute http or https URL that receives the postback')
    .option('-d, --data <json>', 'the payload, a JSON object (or @file, or - for standard input)', jsonObject, {})
    .option('-X, --method <method>', 'GET, POST, PUT or PATCH (POST by default)', choice(METHODS, (value) => value.toUpperCase()))
    .option('-H, --header <line>', 'a request header "Name: value" (repeatable)', header)
    .option('--idempotency-key <key>', 'a repeat with the same key returns the first id and queues nothing')
    .option('--delay <ms>', 'wait this long before the first attempt', integer(0))
    .option('--run-at <time>', 'make the first attempt at this ISO-8601 time', time)
    .option('--max-attempts <n>', 'attempts in all for this postback', integer(1))
    .option('--timeout <ms>', 'per-attempt timeout for this postback', integer(1))
    .option('--notify-channel <channel>', 'when it ends, dispatch postback.completed/failed to this channel')
    .option('--notify-user <userId>', 'when it ends, dispatch postback.completed/failed to this user')
    .option('--ordering-key <key>', 'postbacks to the same destination with this key are attempted one at a time, in order')
    .option('--callback-url <url>', 'when it completes, POST postback.completed with its status here')
    .option('--failure-callback-url <url>', 'when it fails for good, POST postback.failed with its status here')
    .option('--json', 'print the whole answer as JSON')
    .action(async (url: string, options: SendOptions) => {
      const answer = await clientFor(target()).queue(queueRequest(url, options))
      if (options.json) printJson(answer)
      else console.log(answer.queueId)
    })
}

function queueRequest(postbackUrl: string, options: SendOptions): QueueRequest {
  const notify = { channel: options.notifyChannel, userId: options.notifyUser }
  return {
    postbackUrl,
    payload: options.data,
    method: options.method,
    headers: options.header,
    idempotencyKey: options.idempotencyKey,
    delayMs: options.delay,
    runAt: options.runAt,
    maxAttempts: options.maxAttempts,
    timeoutMs: options.timeout,
    orderingKey: options.orderingKey,
    callbackUrl: options.callbackUrl,
    failureCallbackUrl: options.failureCallbackUrl,
    // notify needs a channel or a user; absent fields are left out of the JSON.
    notify: notify.channel === undefined && notify.userId === undefined ? undefined : notify,
  }
}
