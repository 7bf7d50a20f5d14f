// Batching: the calls made during one turn of the event loop run together, so a burst of
// requests pays for one SQLite commit instead of one each. Every caller still resolves only once
// its own part is done, and a failure is its own.

export type Outcome<O> = { value: O } | { error: unknown }

export function batched<I, O>(run: (inputs: I[]) => Promise<Outcome<O>[]> | Outcome<O>[]): (input: I) => Promise<O> {
  let queue: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = []

  async function flush(): Promise<void> {
    const batch = queue
    queue = []
    let outcomes: Outcome<O>[]
    try {
      outcomes = await run(batch.map((item) => item.input))
    } catch (error) {
      outcomes = batch.map(() => ({ error }))
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!
      if ('value' in outcome) item.resolve(outcome.value)
      else item.reject(outcome.error)
    })
  }

  return (input) =>
    new Promise((resolve, reject) => {
      if (queue.push({ input, resolve, reject }) === 1) setImmediate(() => void flush())
    })
}
