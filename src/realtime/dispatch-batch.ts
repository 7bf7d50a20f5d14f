// POST /api/socket/dispatch/batch: up to 100 dispatches in one call, sent in order, each answered
// in its place: a bad item gets its own error and the others go out all the same.
import { dispatchRequest, type DispatchServices } from './dispatch-request.js'
import { isCatalogued, refusalOf } from './refusal.js'
import type { DispatchBody, DispatchResult, ItemError } from './schemas/dispatch.js'

/** Checks one item as the dispatch route checks its body: the item, or why it is not one. */
export type ItemCheck = (item: unknown, index: number) => { body: DispatchBody } | { refused: ItemError }


export async function dispatchBatch(services: DispatchServices, items: unknown[], check: ItemCheck): Promise<(DispatchResult | ItemError)[]> {
  const results: (DispatchResult | ItemError)[] = []
  for (const [index, item] of items.entries()) {
    const checked = check(item, index)
    if ('refused' in checked) {
      results.push(checked.refused)
      continue
    }
    try {
      results.push(await dispatchRequest(services, checked.body))
    } catch (error) {
      // Anything outside the catalogue is a fault of ours: the whole call answers 500, as a single dispatch would.
      if (!isCatalogued(error)) throw error
      results.push(refusalOf(error))
    }
  }
  return results
}
