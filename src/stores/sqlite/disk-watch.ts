// A full disk must be an answer the caller can act on (507 STORE_FULL) and a problem /health
// shows, not a 500. Writes go through here; the problem clears with the next write that succeeds.
import { StoreFullError, codes } from '../../errors.js'
import type { StoreProblem } from '../../postbacks/store.js'

const FULL_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_SHMSIZE'])

export class DiskWatch {
  readonly #dataDir: string
  #fullSince: number | undefined

  constructor(dataDir: string) {
    this.#dataDir = dataDir
  }

  /** Runs a write; a full disk turns into StoreFullError. */
  write<T>(work: () => T): T {
    try {
      const result = work()
      this.#fullSince = undefined
      return result
    } catch (error) {
      if (!FULL_CODES.has((error as { code?: string }).code ?? '')) throw error
      this.#fullSince ??= Date.now()
      throw new StoreFullError(`The disk holding DATA_DIR (${this.#dataDir}) is full: nothing was stored`)
    }
  }

  problems(): StoreProblem[] {
    if (this.#fullSince === undefined) return []
    return [
      {
        code: codes.STORE_FULL,
        message: `The disk holding DATA_DIR (${this.#dataDir}) is full: postbacks cannot be queued or recorded`,
        since: new Date(this.#fullSince).toISOString(),
      },
    ]
  }
}
