// Entry of the qsp executable (bin/qsp.js).
import { readFileSync } from 'node:fs'
import { failure } from './failures.js'
import { program } from './program.js'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

try {
  await program(version).parseAsync(process.argv)
} catch (error) {
  const { line, code } = failure(error)
  if (line !== undefined) console.error(line)
  process.exitCode = code
}
