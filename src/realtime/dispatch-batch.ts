// POST /api/socket/dispatch/batch: up to 100 dispatches in one call, sent in order, each answered
// in its place: a bad item gets its own error and the others go out all the same.
import { dispatchRequest, type DispatchServices } from './dispatch-request.js'
import type { DispatchBody, DispatchResult, ItemError } from './schemas/dispatch.js'

/** Checks one item as the dispatch route checks its body: the item, or why it is not one. */
export type ItemCheck = (item: unknown, index: number) => { body: DispatchBody } | { refused: ItemError }

/** An error the API would answer with {error, message} (the catalogue's errors carry both). */
const isClientError = (error: unknown): error is { code: string; message: string; statusCode: number } =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { statusCode?: unknown }).statusCode === 'number'

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
      if (!isClientError(error)) throw error
      results.push({ error: error.code, message: error.message })
    }
  }
  return results
}
