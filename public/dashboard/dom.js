// @ts-check
// Building the page. Every value from the API is written with textContent, never as HTML.

/**
 * The element `selector` finds; the page always has it.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @returns {T}
 */
export function $(selector) {
  const node = document.querySelector(selector)
  if (!node) throw new Error(`The page has no ${selector}`)
  return /** @type {T} */ (node)
}

/**
 * A new element with these properties and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]>} [props]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

/**
 * "5s ago" for a past time, "in 5s" for a future one (a retry not yet due), a date beyond an hour.
 * @param {string} iso
 */
export function relative(iso) {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000)
  const distance = Math.abs(seconds)
  if (distance >= 3600) return new Date(iso).toLocaleString()
  const amount = distance < 60 ? `${distance}s` : `${Math.floor(distance / 60)}m`
  return seconds > 0 ? `in ${amount}` : `${amount} ago`
}

/** @param {number} share 0–1 */
export const percent = (share) => `${Math.round(share * 100)}%`

/** @param {number} count @param {string} noun */
export const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`

/** The page listens for this to refresh at once after a change. */
export const CHANGED = 'qsp:changed'

/**
 * A small button that runs `action` once per click, says why it failed, and then asks the page
 * to refresh.
 * @param {string} label
 * @param {() => Promise<unknown>} action
 */
export function actionButton(label, action) {
  const button = el('button', { className: 'small', textContent: label, type: 'button' })
  button.addEventListener('click', () => {
    button.disabled = true
    action()
      .catch((/** @type {Error} */ error) => alert(error.message))
      .finally(() => document.dispatchEvent(new Event(CHANGED)))
  })
  return button
}
