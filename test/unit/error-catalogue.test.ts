// The "Error codes" table of docs/errors.md and the catalogue in src/errors.ts list the same codes
// with the same statuses: a code added, removed or renumbered on one side only fails here.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, codes, fallbackCodeFor, isErrorCode, statusOf } from '../../src/errors.js'

/** The table's rows: code and status (undefined for "—"). */
async function documentedRows(): Promise<[string, number | undefined][]> {
  const page = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const section = /^## Error codes\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(page)?.[1]
  if (section === undefined) throw new Error('docs/errors.md has no "## Error codes" section')
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (\d{3}|—) \|/gm)].map(([, code, status]) => [
    code!,
    status === '—' ? undefined : Number(status),
  ])
}

describe('the error catalogue', () => {
  it('has every code documented in docs/errors.md, with its status', async () => {
    const documented = new Map(await documentedRows())
    expect(ERROR_CODES.filter((code) => !documented.has(code))).toEqual([])
    for (const code of ERROR_CODES) expect([code, documented.get(code)]).toEqual([code, statusOf(code)])
  })

  it('defines every code docs/errors.md lists, and the page lists each once', async () => {
    const documented = (await documentedRows()).map(([code]) => code)
    expect(documented.length).toBeGreaterThan(0)
    expect(documented.filter((code) => !isErrorCode(code))).toEqual([])
    expect(documented).toHaveLength(new Set(documented).size)
  })

  it('names each code by itself, and answers a status without a code of its own with its fallback', () => {
    for (const code of ERROR_CODES) expect(codes[code]).toBe(code)
    expect(fallbackCodeFor(404)).toBe(codes.NOT_FOUND)
    expect(fallbackCodeFor(503)).toBeUndefined()
    expect(fallbackCodeFor(422)).toBeUndefined()
  })
})
