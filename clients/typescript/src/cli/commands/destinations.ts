// qsp destinations: the receivers postbacks go to, their state and settings, pause and resume.
import type { Command } from 'commander'
import type { Destination, DestinationSettings } from '../../types.js'
import { UsageError } from '../failures.js'
import { printJson } from '../format.js'
import { integer, positiveNumber } from '../options.js'
import { clientFor, type Service } from '../settings.js'

type Clearable = number | typeof NONE

interface SetOptions {
  maxConcurrency?: Clearable
  rate?: Clearable
  timeout?: Clearable
  json?: boolean
}

const NONE = 'none'

/** One line per destination: where, state, load, failures. */
export function destinationLine(d: Destination): string {
  const failures = `failures ${Math.round(d.failureRate * 100)}%`
  return [d.destination, d.state.padEnd(11), `in flight ${d.inFlight}/${d.limit}`, `pending ${d.pending}`, failures, d.lastError ?? ''].join('  ').trimEnd()
}

/** A setting's value, or `none` to clear it (commander cannot hold null, so null comes later). */
const clearable =
  (parse: (value: string) => number) =>
  (value: string): Clearable =>
    value === NONE ? NONE : parse(value)

const setting = (value: Clearable | undefined): number | null | undefined => (value === NONE ? null : value)

export function destinationCommands(program: Command, target: () => Service): void {
  const destinations = program.command('destinations').description('see and steer the receivers postbacks go to')
  const print = (json: boolean | undefined, destination: Destination) => (json ? printJson(destination) : console.log(destinationLine(destination)))

  destinations
    .command('list', { isDefault: true })
    .description('every destination that is busy, was seen lately, or has settings; busiest first')
    .option('--json', 'print a JSON array')
    .action(async (options: { json?: boolean }) => {
      const all = await clientFor(target()).destinations()
      if (options.json) printJson(all)
      else all.forEach((destination) => console.log(destinationLine(destination)))
    })

  destinations
    .command('get')
    .description('one destination, with its settings and signing state')
    .argument('<destination>', 'its origin, e.g. https://api.example.com (the default port may be left out)')
    .option('--json', 'print the whole answer as JSON')
    .action(async (destination: string, options: { json?: boolean }) => {
      const found = await clientFor(target()).destination(destination)
      if (options.json) return printJson(found)
      console.log(destinationLine(found))
      const { maxConcurrency, ratePerSecond, timeoutMs } = found.settings
      console.log(`settings  max concurrency ${maxConcurrency ?? 'default'}, rate ${ratePerSecond ?? 'unlimited'}/s, timeout ${timeoutMs ?? 'default'} ms`)
    })

  for (const change of ['pause', 'resume'] as const) {
    destinations
      .command(change)
      .description(change === 'pause' ? 'stop attempts to a destination; its postbacks wait, pending' : 'let a paused destination drain again')
      .argument('<destination>', 'its origin, e.g. https://api.example.com')
      .option('--json', 'print the whole answer as JSON')
      .action(async (destination: string, options: { json?: boolean }) => {
        const client = clientFor(target())
        print(options.json, await (change === 'pause' ? client.pauseDestination(destination) : client.resumeDestination(destination)))
      })
  }

  destinations
    .command('set')
    .description('change a destination’s settings; "none" clears one')
    .argument('<destination>', 'its origin, e.g. https://api.example.com')
    .option('--max-concurrency <n>', 'attempts in flight at once, cluster-wide', clearable(integer(1)))
    .option('--rate <perSecond>', 'attempts started per second (may be fractional, e.g. 0.5)', clearable(positiveNumber))
    .option('--timeout <ms>', 'per-attempt timeout, unless a postback gives its own', clearable(integer(1)))
    .option('--json', 'print the whole answer as JSON')
    .action(async (destination: string, options: SetOptions) => {
      const settings: DestinationSettings = {
        maxConcurrency: setting(options.maxConcurrency),
        ratePerSecond: setting(options.rate),
        timeoutMs: setting(options.timeout),
      }
      if (Object.values(settings).every((value) => value === undefined)) throw new UsageError('give --max-concurrency, --rate or --timeout')
      print(options.json, await clientFor(target()).configureDestination(destination, settings))
    })
}
