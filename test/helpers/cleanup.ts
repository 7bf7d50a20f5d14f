// Steps to undo after each test (servers, receivers, sockets, keys), last registered first.
import { afterEach } from 'vitest'

// Properties rather than methods: callers destructure them (`const { own } = cleanupAfterEach()`).
export interface Cleanup {
  /** Runs `step` after the test. */
  defer: (step: () => unknown) => void
  /** Closes `resource` after the test; hands it back, so `own(await start())` reads as one step. */
  own: <T extends { close(): unknown }>(resource: T) => T
}

export function cleanupAfterEach(): Cleanup {
  const steps: (() => unknown)[] = []
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step()
  })
  const defer = (step: () => unknown) => void steps.push(step)
  return {
    defer,
    own(resource) {
      defer(() => resource.close())
      return resource
    },
  }
}
