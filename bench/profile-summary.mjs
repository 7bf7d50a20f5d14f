// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and with
// --total the most total (inclusive) time.
//   node bench/profile-summary.mjs <file.cpuprofile> [count] [--total]
import { readFileSync } from 'node:fs'

const [file, countArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const inclusive = process.argv.includes('--total')
const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist)\//, '$1/')
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
}
const totals = new Map()
for (const id of profile.samples) {
  const seen = new Set()
  for (let current = id; current !== undefined; current = inclusive ? parent.get(current) : undefined) {
    const key = label(nodes.get(current))
    if (!seen.has(key)) totals.set(key, (totals.get(key) ?? 0) + 1)
    seen.add(key)
  }
}
const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 30))
for (const [key, count] of top) console.log(`${((count / profile.samples.length) * 100).toFixed(1).padStart(5)}%  ${key}`)
