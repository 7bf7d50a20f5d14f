// The documentation links by repository path: every relative link of the README, docs/ and the
// other guides names a file or folder that exists, and a `#fragment` a heading of that page.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GUIDES = ['README.md', 'CONTRIBUTING.md', 'BENCHMARKS.md', 'RELIABILITY.md', 'examples/README.md', 'clients/typescript/README.md']
const PAGES = [...GUIDES, ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]

/** The page without its code blocks, where `[a](b)` is code, not a link. */
const prose = (page: string) => page.replace(/^\s*```[\s\S]*?^\s*```/gm, '')

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')

function anchors(file: string): Set<string> {
  const text = prose(readFileSync(file, 'utf8'))
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading!)))
}

describe('the documentation links', () => {
  it.each(PAGES)('of %s lead to files and headings that exist', (page) => {
    const from = join(ROOT, page)
    const broken: string[] = []
    for (const [, target] of prose(readFileSync(from, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      const [path, fragment] = target!.split('#') as [string, string | undefined]
      const file = path === '' ? from : join(dirname(from), path)
      if (!existsSync(file)) broken.push(`${target}: no ${relative(ROOT, file)}`)
      else if (fragment !== undefined && !anchors(file).has(fragment)) broken.push(`${target}: no heading #${fragment}`)
    }
    expect(broken).toEqual([])
  })
})
