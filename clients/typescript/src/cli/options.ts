// Parsers for option values. A bad value is a usage error (exit 2) that names the option.
import { readFileSync } from 'node:fs'
import { InvalidArgumentError } from 'commander'

/** An integer option within bounds. */
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const number = Number(value)
    if (!/^-?\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`)
    }
    return number
  }

/** A number above zero, fractions allowed. */
export function positiveNumber(value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError('expected a number above 0')
  return number
}

/** A comma-separated list of names, `a,b,c`; spaces around the commas are dropped. */
export function names(value: string): string[] {
  const list = value.split(',').map((name) => name.trim())
  if (list.some((name) => name === '')) throw new InvalidArgumentError('expected names separated by commas, such as a,b')
  return list
}

/** A repeatable option: every occurrence is kept. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** A repeatable `Name: value` header option, gathered into an object. */
export function header(line: string, previous: Record<string, string> = {}): Record<string, string> {
  const colon = line.indexOf(':')
  if (colon <= 0) throw new InvalidArgumentError(`expected "Name: value"`)
  return { ...previous, [line.slice(0, colon).trim()]: line.slice(colon + 1).trim() }
}

/** JSON given inline, as `@file`, or as `-` for standard input. */
export function json(value: string): unknown {
  const text = value === '-' ? readFileSync(0, 'utf8') : value.startsWith('@') ? readText(value.slice(1)) : value
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`)
  }
}

/** JSON that must be an object, as postback payloads are. */
export function jsonObject(value: string): Record<string, unknown> {
  const parsed = json(value)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object')
  return parsed as Record<string, unknown>
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

/** An ISO-8601 time, checked here so the mistake is reported before anything is sent. */
export function time(value: string): string {
  if (!Number.isFinite(Date.parse(value))) throw new InvalidArgumentError('expected an ISO-8601 time such as 2024-01-15T10:30:00Z')
  return value
}

/** An option whose value must be one of a few words; the parsed value keeps their type. */
export const choice =
  <T extends string>(allowed: readonly T[], normalise: (value: string) => string = (value) => value) =>
  (value: string): T => {
    const found = allowed.find((word) => word === normalise(value))
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`)
    return found
  }
