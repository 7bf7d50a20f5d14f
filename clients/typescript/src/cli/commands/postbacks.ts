// qsp status, qsp list, qsp cancel and qsp stats: watch the queue.
import type { Command } from 'commander'
import type { ListQuery, PostbackStatus } from '../../types.js'
import { postbackDetails, postbackLine, printJson } from '../format.js'
import { choice, integer, time } from '../options.js'
import { clientFor, type Service } from '../settings.js'

const STATUSES = ['pending', 'processing', 'completed', 'failed', 'canceled'] as const satisfies readonly PostbackStatus[]

interface ListOptions {
  status?: PostbackStatus
  urlPrefix?: string
  from?: string
  to?: string
  limit: number
  cursor?: string
  all?: boolean
  json?: boolean
}

export function postbackCommands(program: Command, target: () => Service): void {
  program
    .command('status')
    .description('show a postback: status, attempts, and the payload and headers that were queued')
    .argument('<id>', 'the id `qsp send` printed')
    .option('--json', 'print the whole answer as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const postback = await clientFor(target()).get(id)
      if (options.json) printJson(postback)
      else console.log(postbackDetails(postback))
    })

  program
    .command('list')
    .description('list postbacks, newest first')
    .option('-s, --status <status>', `only this status: ${STATUSES.join(', ')}`, choice(STATUSES))
    .option('--url-prefix <prefix>', 'only postbacks whose URL starts with this')
    .option('--from <time>', 'created at or after this ISO-8601 time', time)
    .option('--to <time>', 'created at or before this ISO-8601 time', time)
    .option('-n, --limit <n>', 'postbacks per page', integer(1, 1000), 20)
    .option('--cursor <cursor>', 'start at this page (printed after a page that has more)')
    .option('-a, --all', 'every page, not only the first')
    .option('--json', 'print a JSON array')
    .action(async (options: ListOptions) => {
      const client = clientFor(target())
      const query: ListQuery = {
        status: options.status,
        postbackUrl: options.urlPrefix,
        createdFrom: options.from,
        createdTo: options.to,
        limit: options.limit,
        cursor: options.cursor,
      }
      if (options.all) {
        const every = []
        for await (const postback of client.listAll(query)) {
          if (options.json) every.push(postback)
          else console.log(postbackLine(postback))
        }
        if (options.json) printJson(every)
        return
      }
      const page = await client.list(query)
      if (options.json) printJson(page.items)
      else page.items.forEach((postback) => console.log(postbackLine(postback)))
      if (page.nextCursor !== undefined) console.error(`more: add --cursor ${page.nextCursor} (or --all)`)
    })

  program
    .command('cancel')
    .description('cancel a pending postback')
    .argument('<id>', 'the postback')
    .action(async (id: string) => {
      const postback = await clientFor(target()).cancel(id)
      console.log(postbackLine(postback))
    })

  program
    .command('stats')
    .description('queue counts by status, how long the postback due the longest has waited, deliveries in flight, busy destinations')
    .option('--json', 'print the whole answer as JSON')
    .action(async (options: { json?: boolean }) => {
      const stats = await clientFor(target()).stats()
      if (options.json) return printJson(stats)
      console.log(Object.entries(stats.counts).map(([status, count]) => `${status}=${count}`).join('  '))
      console.log(`total=${stats.total}  in flight=${stats.inFlight}  oldest due=${stats.oldestPendingAgeMs ?? '-'} ms`)
      for (const host of stats.hosts) {
        console.log(`${host.destination}  in flight ${host.inFlight}/${host.limit}  failure rate ${Math.round(host.failureRate * 100)}%`)
      }
    })
}
