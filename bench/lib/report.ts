// The benchmark table: our figure, the baseline measured in the same run, the ratio and the target.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './processes.js'
import { round } from './stats.js'

export interface Row {
  name: string
  unit: string
  ours: number
  baseline?: number
  baselineName?: string
  /** ours / baseline, or baseline / ours when lower is better */
  ratio?: number
  target: string
  met?: boolean
  note?: string
}

/** A row where a bigger figure is better (a rate). */
export function higherIsBetter(name: string, unit: string, ours: number, baseline: number, baselineName: string, minRatio: number): Row {
  const ratio = ours / baseline
  return { name, unit, ours: round(ours), baseline: round(baseline), baselineName, ratio: round(ratio), target: `≥ ${minRatio}× baseline`, met: ratio >= minRatio }
}

/** A row where a smaller figure is better (a time, a size); the ratio is ours / baseline. */
export function lowerIsBetter(name: string, unit: string, ours: number, baseline: number, baselineName: string, maxRatio: number): Row {
  const ratio = ours / baseline
  return { name, unit, ours: round(ours), baseline: round(baseline), baselineName, ratio: round(ratio), target: `≤ ${maxRatio}× baseline`, met: ratio <= maxRatio }
}

export function print(rows: Row[]): void {
  const table = rows.map((r) => ({
    benchmark: r.name,
    ours: `${r.ours} ${r.unit}`,
    baseline: r.baseline === undefined ? '—' : `${r.baseline} ${r.unit} (${r.baselineName})`,
    ratio: r.ratio === undefined ? '—' : `${r.ratio}×`,
    target: r.target,
    met: r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
  }))
  console.table(table)
}

export function save(rows: Row[], meta: Record<string, unknown>): string {
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, meta.smoke ? 'smoke.json' : meta.only ? 'partial.json' : 'latest.json')
  writeFileSync(file, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`)
  return file
}
