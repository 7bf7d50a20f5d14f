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
process.stdout.write('consuming\n')
