// @ts-check
// The service's API, called with the token this tab keeps in sessionStorage (and nowhere else).

const TOKEN_KEY = 'qsp-api-token'

export const token = {
  present: () => Boolean(sessionStorage.getItem(TOKEN_KEY)),
  /** @param {string} value */
  keep: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  forget: () => sessionStorage.removeItem(TOKEN_KEY),
}

/** @type {(message: string) => void} */
let refused = () => undefined

/**
 * What to do when the service refuses the token.
 * @param {(message: string) => void} handler
 */
export function onTokenRefused(handler) {
  refused = handler
}

/**
 * A response's JSON, as unknown until the caller says what it is.
 * @param {Response} response
 * @returns {Promise<unknown>}
 */
export async function jsonOf(response) {
  /** @type {unknown} */
  const json = await response.json()
  return json
}

/**
 * Calls the API and resolves with its JSON answer; an error answer rejects with its message.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [init]
 * @returns {Promise<unknown>}
 */
export async function api(path, init = {}) {
  const response = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const body = /** @type {{ message?: string }} */ (await jsonOf(response).catch(() => ({})))
  if (response.status === 401) {
    refused('The token was refused. Paste the API token again.')
    throw new Error(body.message ?? 'unauthorized')
  }
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`)
  return body
}
