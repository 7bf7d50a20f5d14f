// The qsp command line: every command, the global options and the help text.
import { Command } from 'commander'
import { destinationCommands } from './commands/destinations.js'
import { inboxCommand } from './commands/inbox.js'
import { postbackCommands } from './commands/postbacks.js'
import { presenceCommand } from './commands/presence.js'
import { retryCommand } from './commands/retry.js'
import { sendCommand } from './commands/send.js'
import { socketCommands } from './commands/sockets.js'
import { tailCommand } from './commands/tail.js'
import { DEFAULT_URL, service } from './settings.js'

export function program(version: string): Command {
  const qsp = new Command('qsp')
    .description('Queue Socket Provider from the command line: queue postbacks, watch the queue, push socket events')
    .version(version)
    .option('--url <url>', `the service (QSP_URL, else ${DEFAULT_URL})`)
    .addHelpText('after', '\nThe API token comes from QSP_TOKEN. Exit codes: 0 done, 1 the service refused or is unreachable, 2 wrong usage.')
    .exitOverride()
  const target = () => service(qsp.opts<{ url?: string }>().url)
  sendCommand(qsp, target)
  postbackCommands(qsp, target)
  retryCommand(qsp, target)
  socketCommands(qsp, target)
  presenceCommand(qsp, target)
  inboxCommand(qsp, target)
  tailCommand(qsp, target)
  destinationCommands(qsp, target)
  // Subcommands end the same way as the program: a usage error is one line, then exit 2.
  for (const command of everyCommand(qsp)) command.exitOverride().configureOutput({ outputError: oneLine })
  return qsp
}

/** Commander's "error: …" in the same form as every other failure. */
function oneLine(message: string, write: (text: string) => void): void {
  write(`qsp: ${message.replace(/^error: /, '').trimEnd()}\n`)
}

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)]
}
