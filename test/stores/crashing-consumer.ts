// Run as a child process by the contract tests: opens the store STORE names (with the rest of
// the environment) and starts attempts that never end, printing `claimed <id>` for each, until
// the test kills it with SIGKILL.
import { loadConfig } from '../../src/config.js'
import { openStores } from '../../src/stores/registry.js'

const { postbacks: store } = await openStores(loadConfig(process.env), { warn: console.error, error: console.error })
store.consume({
  concurrency: 10,
  deliver: (delivery) => {
    process.stdout.write(`claimed ${delivery.id}\n`)
    return new Promise(() => undefined)
  },
  onEnded: () => undefined,
  reportError: (error) => console.error(error),
})
// Attempts that never end keep nothing alive: without this the process could end by itself right
// after its claims instead of holding them until it is killed.
setInterval(() => undefined, 60_000)
process.stdout.write('consuming\n')
