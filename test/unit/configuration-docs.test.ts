// Every variable of the environment schema (src/config.ts) is in the table of
// docs/configuration.md and in .env.example, each with the schema's default; neither lists a
// variable the service does not read.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config.js'

const VARIABLES = Object.keys(ConfigSchema.properties)
/** The schema's default as written in the docs (`3000`, `true`), or undefined without one. */
const defaultOf = (name: string): string | undefined => {
  const value = (ConfigSchema.properties as Record<string, { default?: string | number | boolean }>)[name]!.default
  return value === undefined ? undefined : String(value)
}

/** The table's rows: the variables named in the first cell, and the default cell. */
async function documentedRows(): Promise<{ names: string[]; defaults: string }[]> {
  const page = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
  return [...page.matchAll(/^\| (`[A-Z][A-Z0-9_]*`(?: \/ `[A-Z][A-Z0-9_]*`)*) \| ([^|]*) \|/gm)].map(([, names, defaults]) => ({
    names: [...names!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!),
    defaults: defaults!,
  }))
}

async function exampleLines(): Promise<Map<string, string>> {
  const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8')
  return new Map([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, name, value]) => [name!, value!]))
}

describe('the configuration docs', () => {
  it('list every variable in docs/configuration.md with its default, and no other', async () => {
    const rows = await documentedRows()
    const documented = rows.flatMap((row) => row.names)
    expect(VARIABLES.filter((name) => !documented.includes(name))).toEqual([])
    expect(documented.filter((name) => !VARIABLES.includes(name))).toEqual([])
    expect(documented).toHaveLength(new Set(documented).size)
    for (const name of VARIABLES) {
      const value = defaultOf(name)
      const row = rows.find((r) => r.names.includes(name))!
      if (value !== undefined) expect([name, row.defaults]).toEqual([name, expect.stringContaining(`\`${value}\``)])
    }
  })

  it('list every variable in .env.example with its default, and no other', async () => {
    const lines = await exampleLines()
    expect(VARIABLES.filter((name) => !lines.has(name))).toEqual([])
    expect([...lines.keys()].filter((name) => !VARIABLES.includes(name))).toEqual([])
    for (const name of VARIABLES) {
      const value = defaultOf(name)
      if (value !== undefined) expect([name, lines.get(name)]).toEqual([name, value])
    }
  })
})
