// Group commit: the writes asked for during one turn of the event loop share one transaction,
// so a burst of requests pays for one commit instead of one each. Every caller still resolves
// only after its write is committed.
import type Database from 'better-sqlite3'

interface Waiting<I, O> {
  input: I
  resolve: (output: O) => void
  reject: (error: unknown) => void
}

export class GroupCommit<I, O> {
  readonly #db: Database.Database
  readonly #write: (input: I) => O
  #queue: Waiting<I, O>[] = []

  constructor(db: Database.Database, write: (input: I) => O) {
    this.#db = db
    this.#write = write
  }

  run(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ input, resolve, reject }) === 1) setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    let outputs: O[]
    try {
      outputs = this.#db.transaction(() => batch.map(({ input }) => this.#write(input)))()
    } catch {
      // One write failed and rolled the batch back: redo them one by one, so only it fails.
      for (const item of batch) {
        try {
          item.resolve(this.#db.transaction(() => this.#write(item.input))())
        } catch (error) {
          item.reject(error)
        }
      }
      return
    }
    batch.forEach((item, i) => item.resolve(outputs[i]!))
  }
}
