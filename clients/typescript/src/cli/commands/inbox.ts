// qsp inbox: the durable messages waiting for a user (and clearing them), or the users with the most.
import type { Command } from 'commander'
import type { InboxStats } from '../../types.js'
import { UsageError } from '../failures.js'
import { printJson } from '../format.js'
import { integer } from '../options.js'
import { clientFor, type Service } from '../settings.js'

interface InboxOptions {
  clear?: boolean
  limit?: number
  json?: boolean
}

export const inboxLine = ({ userId, pending, oldestAt }: InboxStats) =>
  pending === 0 ? `${userId}  nothing pending` : `${userId}  ${pending} pending  oldest ${oldestAt ?? '-'}`

export function inboxCommand(program: Command, target: () => Service): void {
  program
    .command('inbox')
    .description('the durable messages waiting for a user; without one, the users with the most waiting')
    .argument('[userId]', 'the user')
    .option('--clear', 'delete every message waiting for the user')
    .option('-n, --limit <n>', 'without a user: list at most this many users', integer(1, 1000))
    .option('--json', 'print the whole answer as JSON')
    .action(async (userId: string | undefined, options: InboxOptions) => {
      const client = clientFor(target())
      if (userId === undefined) {
        if (options.clear) throw new UsageError('--clear needs the user whose inbox to clear')
        const users = await client.inboxes({ limit: options.limit })
        if (options.json) return printJson(users)
        if (users.length === 0) console.error('no durable message is waiting')
        return users.forEach((user) => console.log(inboxLine(user)))
      }
      if (options.clear) {
        const deletedCount = await client.clearInbox(userId)
        return options.json ? printJson({ userId, deletedCount }) : console.log(`cleared ${deletedCount} message(s) for ${userId}`)
      }
      const stats = await client.inbox(userId)
      if (options.json) printJson(stats)
      else console.log(inboxLine(stats))
    })
}
