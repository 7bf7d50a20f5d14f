// Shutdown of either store's deliveries: attempts in flight get a bounded time to finish.

/** Waits for `work` to settle, or `ms` at most; the caller decides what to do with what is left. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  } finally {
    clearTimeout(timer)
  }
}
