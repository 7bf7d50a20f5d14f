// A Lua script with named arguments. Callers pass an object; the wrapper lays it out as ARGV in
// the order the script's header names, and runs it by its SHA1 (sending the source once after a
// Redis restart or on first use).
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface ScriptSpec<A extends string> {
  /** names of ARGV[1], ARGV[2], … (the scripts take no KEYS: every key is built from ARGV `prefix`) */
  args: readonly A[]
  lua: string
}

export type Script<A extends string, R> = (redis: Redis, args: Record<A, string | number>) => Promise<R>

export function defineScript<R, const A extends string = string>(spec: ScriptSpec<A>): Script<A, R> {
  const sha = createHash('sha1').update(spec.lua).digest('hex')
  return async (redis, args) => {
    const argv = spec.args.map((name) => String(args[name]))
    try {
      return (await redis.evalsha(sha, 0, ...argv)) as R
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return (await redis.eval(spec.lua, 0, ...argv)) as R
    }
  }
}
