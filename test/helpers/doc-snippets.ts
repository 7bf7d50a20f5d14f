// Reads the shell examples of a documentation page: each ```bash block, whether it is marked
// `<!-- not run: reason -->`, and the answers the page shows for its curl commands (a `# {…}`
// comment right after one, or a ```json block right after the block), so that a test can run them
// against a real service and hold the answers to what the page shows.

export interface ShownAnswer {
  /** Line of the page where the answer is shown. */
  line: number
  /** Index of the block's line after which the answer is taken (the command's last line). */
  after: number
  /** The answer as the page shows it; `…` stands in for what it leaves out (see parseShown). */
  shown: unknown
}

export interface ShellBlock {
  /** Line of the page where the block's fence opens. */
  line: number
  lines: string[]
  /** Why the block is not run, from the `<!-- not run: … -->` line right before it. */
  notRun?: string
  answers: ShownAnswer[]
}

interface Fence {
  lang: string
  line: number
  lines: string[]
  /** The last non-blank line before the fence, and the first after it. */
  before: string
  after: string
}

/** Leaving a part out: `…` where a value, an element or some keys would be. */
export const ELLIPSIS = '…'
/** Languages a reader runs in a shell: the pages write them all as bash, so none is missed. */
export const SHELL_LANGUAGES = ['sh', 'shell', 'console', 'zsh', 'shell-session']

export function fences(page: string): Fence[] {
  const lines = page.split('\n')
  const found: Fence[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]!)
    if (!open) continue
    const indent = open[1]!.length
    let end = i + 1
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++
    const nonBlank = (from: number, step: number) => {
      for (let j = from; j >= 0 && j < lines.length; j += step) if (lines[j]!.trim() !== '') return lines[j]!.trim()
      return ''
    }
    found.push({
      lang: open[2]!,
      line: i + 1,
      lines: lines.slice(i + 1, end).map((line) => line.slice(indent)),
      before: nonBlank(i - 1, -1),
      after: nonBlank(end + 1, 1),
    })
    i = end
  }
  return found
}

export function shellBlocks(page: string): ShellBlock[] {
  const all = fences(page)
  return all.flatMap((fence, index) => {
    if (fence.lang !== 'bash') return []
    const notRun = /^<!--\s*not run:\s*(.*?)\s*-->$/.exec(fence.before)?.[1]
    const answers = commentAnswers(fence)
    const next = all[index + 1]
    // A ```json block right after the block (nothing between them) is its last command's answer.
    if (next?.lang === 'json' && fence.after.startsWith('```json')) {
      answers.push({ line: next.line, after: fence.lines.length - 1, shown: parseShown(next.lines.join('\n')) })
    }
    return [{ line: fence.line, lines: fence.lines, ...(notRun === undefined ? {} : { notRun }), answers }]
  })
}

/** `# {…}` or `# […]` right after a command, continued on lines that start with `#  `. */
function commentAnswers(fence: Fence): ShownAnswer[] {
  const answers: ShownAnswer[] = []
  fence.lines.forEach((line, i) => {
    const previous = fence.lines[i - 1]
    if (!/^# [[{]/.test(line) || previous === undefined || previous.trim() === '' || previous.trimStart().startsWith('#')) return
    let text = line.slice(2)
    for (let j = i + 1; j < fence.lines.length && /^# {2}/.test(fence.lines[j]!); j++) text += fence.lines[j]!.slice(1)
    answers.push({ line: fence.line + 1 + i, after: i - 1, shown: parseShown(text) })
  })
  return answers
}

/**
 * The first JSON value in `text`, where `…` outside strings leaves a part out: it becomes the
 * element `"…"` in an array and the key `"…": true` in an object, which compare() reads as
 * "and more". Text after the value (a remark) is ignored.
 */
export function parseShown(text: string): unknown {
  const start = text.search(/[[{]/)
  if (start < 0) throw new Error(`no JSON in ${JSON.stringify(text)}`)
  const stack: string[] = []
  let out = ''
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') out += text[++i] ?? ''
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    if (c === '{' || c === '[') stack.push(c)
    if (c === '}' || c === ']') stack.pop()
    out += c === ELLIPSIS ? (stack.at(-1) === '{' ? `"${ELLIPSIS}": true` : `"${ELLIPSIS}"`) : c
    if (stack.length === 0) break
  }
  return JSON.parse(out)
}

/** Fields whose value must be exactly what the page shows. */
const LITERAL = new Set(['success', 'message', 'error', 'ok'])
/** Fields that name something the service made; a page's later examples use the shown value. */
const IDS = new Set(['queueId', 'id', 'messageId', 'fallbackQueueId'])

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * How an answer differs from what the page shows: the top-level keys (of the object, or of an
 * array's first element), all of them unless the page leaves some out with `…`; and the literal
 * fields (success, message, error, ok) wherever the page shows them.
 */
export function compare(shown: unknown, actual: unknown): string[] {
  const problems: string[] = []
  if (Array.isArray(shown) !== Array.isArray(actual)) return [`the page shows ${Array.isArray(shown) ? 'an array' : 'an object'}`]
  const [top, actualTop] = Array.isArray(shown) ? [shown[0], (actual as unknown[])[0]] : [shown, actual]
  if (isObject(top) && actualTop !== undefined) {
    if (!isObject(actualTop)) return ['the page shows an object']
    const keys = Object.keys(top).filter((key) => key !== ELLIPSIS)
    for (const key of keys) if (!(key in actualTop)) problems.push(`the answer has no "${key}"`)
    if (!(ELLIPSIS in top)) {
      for (const key of Object.keys(actualTop)) if (!keys.includes(key)) problems.push(`the page does not show "${key}"`)
    }
  }
  return [...problems, ...literals(shown, actual, '')]
}

function literals(shown: unknown, actual: unknown, path: string): string[] {
  if (Array.isArray(shown)) {
    const whole = Array.isArray(actual) && !shown.includes(ELLIPSIS) && shown.length === actual.length
    return whole ? shown.flatMap((item, i) => literals(item, actual[i], `${path}[${i}]`)) : []
  }
  if (!isObject(shown) || !isObject(actual)) return []
  return Object.entries(shown).flatMap(([key, value]) => {
    const at = path === '' ? key : `${path}.${key}`
    if (typeof value === 'object' && value !== null) return literals(value, actual[key], at)
    if (!LITERAL.has(key) || actual[key] === value) return []
    return [`${at}: the page shows ${JSON.stringify(value)}, the service answered ${JSON.stringify(actual[key])}`]
  })
}

/** The ids the page shows in an answer, each with the one the service gave instead. */
export function idsGiven(shown: unknown, actual: unknown): [string, string][] {
  if (!isObject(shown) || !isObject(actual)) return []
  return Object.entries(shown).flatMap(([key, value]): [string, string][] => {
    const given = actual[key]
    const usable = IDS.has(key) && typeof value === 'string' && !value.includes(ELLIPSIS) && typeof given === 'string'
    return usable ? [[value, given]] : []
  })
}

const EXAMPLE_HOST = String.raw`(?:[a-z0-9-]+\.)*(?:example\.com|example)`

/** `https://example.com/…`, `https://partner.example`, and their URL-encoded forms, sent to `origin`. */
export function toReceiver(text: string, origin: string): string {
  return text
    .replace(new RegExp(String.raw`https?://${EXAMPLE_HOST}(?::\d+)?`, 'gi'), origin)
    .replace(new RegExp(String.raw`https?%3A%2F%2F${EXAMPLE_HOST}(?:%3A\d+)?`, 'gi'), encodeURIComponent(origin))
}
