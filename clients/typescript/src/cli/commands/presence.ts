// qsp presence: who is in a presence channel, cluster-wide, with the info each member carries.
import type { Command } from 'commander'
import type { Presence } from '../../types.js'
import { printJson } from '../format.js'
import { integer } from '../options.js'
import { clientFor, type Service } from '../settings.js'

/** One line per member: user, since when, info. */
export const memberLine = (member: Presence['members'][number]) =>
  [member.userId, member.since, member.info === null ? '' : JSON.stringify(member.info)].join('  ').trimEnd()

export function presenceCommand(program: Command, target: () => Service): void {
  program
    .command('presence')
    .description('list the members of a presence channel (a channel named presence-…), longest present first')
    .argument('<channel>', 'the channel')
    .option('-n, --limit <n>', 'list at most this many members', integer(1, 10_000))
    .option('--json', 'print the whole answer as JSON')
    .action(async (channel: string, options: { limit?: number; json?: boolean }) => {
      const presence = await clientFor(target()).presence(channel, { limit: options.limit })
      if (options.json) return printJson(presence)
      const shown = presence.members.length < presence.count ? `, ${presence.members.length} listed` : ''
      console.error(`${presence.channel}: ${presence.count} member(s)${shown}`)
      presence.members.forEach((member) => console.log(memberLine(member)))
    })
}
