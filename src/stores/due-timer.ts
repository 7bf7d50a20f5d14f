// One timer per delivery loop, set for the earliest time known to have work due: no polling,
// and no more than one pending timer however many due times are announced.

/** setTimeout cannot wait longer than this; a later due time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class DueTimer {
  readonly #onDue: () => void
  #timer: NodeJS.Timeout | undefined
  #at = Number.POSITIVE_INFINITY

  constructor(onDue: () => void) {
    this.#onDue = onDue
  }

  /** Makes sure onDue runs at `at` (epoch ms) at the latest. */
  armAt(at: number): void {
    if (at < this.#at) this.set(at)
  }

  /** onDue runs at `at` (epoch ms), and not before unless armAt asks for earlier. */
  set(at: number): void {
    this.disarm()
    this.#at = at
    this.#timer = setTimeout(
      () => {
        this.#at = Number.POSITIVE_INFINITY
        this.#onDue()
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    )
    this.#timer.unref()
  }

  disarm(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#at = Number.POSITIVE_INFINITY
  }
}
