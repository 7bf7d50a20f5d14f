// qsp retry: re-queue one finished postback, or page through every match and re-queue each, with
// a progress bar when there are many.
import { SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import type { QspClient } from '../../client.js'
import { QspError } from '../../errors.js'
import type { RetryFilter } from '../../types.js'
import { UsageError } from '../failures.js'
import { postbackLine } from '../format.js'
import { choice, time } from '../options.js'
import { clientFor, type Service } from '../settings.js'

type Finished = NonNullable<RetryFilter['status']>
const FINISHED = ['failed', 'completed'] as const satisfies readonly Finished[]
const PAGE_SIZE = 1000
/** Retries in flight at once: quick over many, without flooding the service. */
const PARALLEL = 8

interface RetryOptions {
  status?: Finished
  urlPrefix?: string
  from?: string
  to?: string
  atOnce?: boolean
  progress?: boolean
}

export function retryCommand(program: Command, target: () => Service): void {
  program
    .command('retry')
    .description('re-queue a finished postback, or every one that matches, with a fresh attempt budget')
    .argument('[id]', 'one postback; without it, every postback that matches the options')
    .option('-s, --status <status>', 'failed (the default) or completed', choice(FINISHED))
    .option('--url-prefix <prefix>', 'only postbacks whose URL starts with this')
    .option('--from <time>', 'created at or after this ISO-8601 time', time)
    .option('--to <time>', 'created at or before this ISO-8601 time', time)
    .option('--at-once', 'one call that re-queues every match on the service (fastest, no progress)')
    .option('--progress', 'show the progress bar even when standard error is not a terminal')
    .action(async (id: string | undefined, options: RetryOptions) => {
      const client = clientFor(target())
      const filter: RetryFilter = {
        status: options.status,
        postbackUrl: options.urlPrefix,
        createdFrom: options.from,
        createdTo: options.to,
      }
      if (id !== undefined) {
        if (Object.values(filter).some((value) => value !== undefined) || options.atOnce) {
          throw new UsageError('give either a postback id or filter options, not both')
        }
        console.log(postbackLine(await client.retry(id)))
        return
      }
      if (options.atOnce) {
        console.log(`re-queued ${await client.retryMany(filter)} postback(s)`)
        return
      }
      await retryEach(client, filter, options.progress === true)
    })
}

async function retryEach(client: QspClient, filter: RetryFilter, forceProgress: boolean): Promise<void> {
  const ids: string[] = []
  const query = { ...filter, status: filter.status ?? 'failed', limit: PAGE_SIZE }
  for await (const postback of client.listAll(query)) ids.push(postback.id)

  const bar = new SingleBar({
    format: 're-queueing |{bar}| {value}/{total}',
    stream: process.stderr,
    noTTYOutput: forceProgress,
    hideCursor: true,
  })
  // A bar is worth it when the listing took more than one page.
  const showBar = forceProgress || ids.length > PAGE_SIZE
  if (showBar) bar.start(ids.length, 0)
  let requeued = 0
  let skipped = 0
  const waiting = [...ids]
  const worker = async () => {
    for (let id = waiting.shift(); id !== undefined; id = waiting.shift()) {
      if (await retryOne(client, id)) requeued++
      else skipped++
      if (showBar) bar.increment()
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker))
  } finally {
    if (showBar) bar.stop()
    if (requeued + skipped < ids.length) console.error(`re-queued ${requeued} of ${ids.length} before stopping`)
  }
  const note = skipped === 0 ? '' : `; ${skipped} skipped (no longer finished, or gone)`
  console.log(`re-queued ${requeued} of ${ids.length} postback(s)${note}`)
}

/** False when the postback changed since it was listed: re-queued by someone else, or deleted. */
async function retryOne(client: QspClient, id: string): Promise<boolean> {
  try {
    await client.retry(id)
    return true
  } catch (error) {
    if (error instanceof QspError && (error.status === 409 || error.status === 404)) return false
    throw error
  }
}
