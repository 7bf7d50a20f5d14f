// A destination's ratePerSecond (SPEC §7): a token bucket of max(1, rate) tokens, refilled at
// `rate` tokens a second. Pure, applied by both store drivers (Redis mirrors it in Lua).

export interface Bucket {
  tokens: number
  /** when `tokens` was last brought up to date, epoch ms */
  at: number
}

export const capacityOf = (rate: number) => Math.max(1, rate)

/** The bucket as it stands at `now`; a bucket never used starts full. */
export function refill(bucket: Bucket | undefined, rate: number, now: number): Bucket {
  if (!bucket) return { tokens: capacityOf(rate), at: now }
  return { tokens: Math.min(capacityOf(rate), bucket.tokens + ((now - bucket.at) / 1000) * rate), at: now }
}

/** When the next whole token is there (now when one already is). */
export const nextTokenAt = (bucket: Bucket, rate: number): number =>
  bucket.tokens >= 1 ? bucket.at : bucket.at + Math.ceil(((1 - bucket.tokens) / rate) * 1000)
