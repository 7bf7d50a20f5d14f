// Steps to undo after each test (servers, receivers, sockets, keys), last registered first.
import { afterEach } from 'vitest'

export function cleanupAfterEach(): (step: () => unknown) => void {
  const steps: (() => unknown)[] = []
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step()
  })
  return (step) => void steps.push(step)
}
