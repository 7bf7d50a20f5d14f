// Reading postbacks back from a running app.
import type { TestApp } from './app.js'
import { waitFor } from './wait.js'

type Api = Pick<TestApp, 'api'>

/** The postback's status object, as GET /api/queue/postback/:id answers it. */
export const postbackOf = async (app: Api, id: string) => (await app.api(`/api/queue/postback/${id}`)).body

/** Waits until postback `id` has one of `statuses`, and resolves with it. */
export function postbackIn(app: Api, id: string, statuses: string[], timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const postback = await postbackOf(app, id)
      return statuses.includes(postback.status) && postback
    },
    { timeoutMs, what: `postback ${id} to be ${statuses.join(' or ')}` },
  )
}
