// @ts-check
// The two test forms: queue a postback, dispatch an event.
import { api } from './api.js'
import { $, CHANGED, plural } from './dom.js'

/**
 * @param {FormDataEntryValue | null} text
 * @param {string} what
 */
function parseJson(text, what) {
  const source = typeof text === 'string' ? text.trim() : ''
  try {
    return source === '' ? undefined : /** @type {unknown} */ (JSON.parse(source))
  } catch {
    throw new Error(`${what} is not valid JSON`)
  }
}

/**
 * Submits `form` through `submit` and shows what it answered, or why it failed.
 * @param {string} selector
 * @param {(data: FormData) => Promise<string>} submit
 */
function handleForm(selector, submit) {
  /** @type {HTMLFormElement} */
  const form = $(selector)
  const result = $(`${selector} .result`)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    result.className = 'result'
    submit(new FormData(form))
      .then((text) => {
        result.textContent = text
        document.dispatchEvent(new Event(CHANGED))
      })
      .catch((/** @type {Error} */ error) => {
        result.className = 'result error'
        result.textContent = error.message
      })
  })
}

export function handleForms() {
  handleForm('#postback-form', async (data) => {
    const body = { postbackUrl: data.get('postbackUrl'), method: data.get('method'), payload: parseJson(data.get('payload'), 'Payload') ?? {} }
    const answer = /** @type {{ queueId: string }} */ (await api('/api/queue/postback', { body }))
    return `Queued ${answer.queueId}`
  })
  handleForm('#dispatch-form', async (data) => {
    /** @type {Record<string, unknown>} */
    const body = { event: data.get('event'), data: parseJson(data.get('data'), 'Data') }
    for (const key of ['channel', 'userId']) if (data.get(key)) body[key] = data.get(key)
    const answer = /** @type {{ dispatchedCount: number }} */ (await api('/api/socket/dispatch', { body }))
    return `Sent to ${plural(answer.dispatchedCount, 'socket')}`
  })
}
