// Postbacks picked from the table and waiting for a slot, per destination, in the order picked.
import type { DueDelivery } from '../../postbacks/types.js'

export class ReadyQueue {
  readonly #byDestination = new Map<string, DueDelivery[]>()
  #size = 0

  get size(): number {
    return this.#size
  }

  /** Destinations with postbacks waiting. */
  destinations(): IterableIterator<string> {
    return this.#byDestination.keys()
  }

  waitingFor(destination: string): number {
    return this.#byDestination.get(destination)?.length ?? 0
  }

  add(delivery: DueDelivery): void {
    const queue = this.#byDestination.get(delivery.destination)
    if (queue) queue.push(delivery)
    else this.#byDestination.set(delivery.destination, [delivery])
    this.#size++
  }

  /** Takes a postback out; false when it was not waiting here. */
  remove(id: string): boolean {
    for (const [destination, queue] of this.#byDestination) {
      const index = queue.findIndex((d) => d.id === id)
      if (index === -1) continue
      queue.splice(index, 1)
      this.#size--
      if (queue.length === 0) this.#byDestination.delete(destination)
      return true
    }
    return false
  }

  /** Takes up to `slots(destination)` of each destination's postbacks while `room()` says there is room. */
  *take(slots: (destination: string) => number, room: () => boolean): Generator<DueDelivery> {
    for (const [destination, queue] of this.#byDestination) {
      let free = slots(destination)
      while (queue.length > 0 && free > 0 && room()) {
        this.#size--
        free--
        yield queue.shift()!
      }
      if (queue.length === 0) this.#byDestination.delete(destination)
    }
  }
}
