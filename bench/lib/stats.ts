// Small statistics for benchmark rounds.

export const median = (values: number[]): number => percentile(values, 50)

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
}

/** Wall-clock milliseconds comparable across processes on this machine. */
export const now = (): number => performance.timeOrigin + performance.now()

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))
