// Lua scripts: each state change of a postback, its indexes and its idempotency key in one
// atomic step. Empty strings stand for null in hash fields.
import type { Redis, Result } from 'ioredis'

/** ARGV: id, createdAt, idempotent ('1'/'0'), the hash fields as one JSON array of name/value pairs */
const ADD = `
if ARGV[3] == '1' then
  local existing = redis.call('GET', KEYS[5])
  if existing then return {existing, 0} end
  redis.call('SET', KEYS[5], ARGV[1])
end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[4])))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return {ARGV[1], 1}`

const START = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' and status ~= 'processing' then return false end
redis.call('HSET', KEYS[1], 'status', 'processing', 'updated_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return redis.call('HMGET', KEYS[1], 'url', 'dest', 'method', 'headers', 'body', 'attempts_made', 'max_attempts', 'timeout_ms', 'notify')`

const SETTLE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'processing' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts_made', 1)
local finished = ''
if ARGV[8] == '1' then finished = ARGV[2] end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated_at', ARGV[2], 'next_attempt_at', ARGV[4],
  'last_error', ARGV[5], 'last_status_code', ARGV[6], 'finished_at', finished)
redis.call('RPUSH', KEYS[2], ARGV[7])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], 0, ARGV[1])
if ARGV[8] == '1' then redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1]) end
return 1`

const CANCEL = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status ~= 'pending' then return status end
redis.call('HSET', KEYS[1], 'status', 'canceled', 'updated_at', ARGV[2], 'finished_at', ARGV[2], 'next_attempt_at', '')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 'ok'`

/** KEYS: postback, completed, failed, canceled, pending, finished, unconfirmed */
const RETRY = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local from = ({completed = KEYS[2], failed = KEYS[3], canceled = KEYS[4]})[status]
if not from then return status end
redis.call('ZREM', from, ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'pending', 'attempts_made', 0, 'next_attempt_at', ARGV[2],
  'finished_at', '', 'updated_at', ARGV[2])
redis.call('ZADD', KEYS[5], 0, ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[2], ARGV[1])
return 'ok'`

/** KEYS: finished, all, completed, failed, canceled. ARGV: cutoff, limit, postback key prefix, idempotency key prefix */
const PURGE = `
local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local idem = redis.call('HGET', key, 'idem')
  if idem and idem ~= '' then redis.call('DEL', ARGV[4] .. idem) end
  redis.call('DEL', key, key .. ':attempts')
  for i = 1, 5 do redis.call('ZREM', KEYS[i], id) end
end
return #ids`

type Args = (string | number)[]

declare module 'ioredis' {
  interface RedisCommander<Context> {
    qspAdd(...args: Args): Result<[string, number], Context>
    qspStart(...args: Args): Result<(string | null)[] | null, Context>
    qspSettle(...args: Args): Result<number, Context>
    qspCancel(...args: Args): Result<string | null, Context>
    qspRetry(...args: Args): Result<string | null, Context>
    qspPurge(...args: Args): Result<number, Context>
  }
}

export function defineScripts(redis: Redis): Redis {
  redis.defineCommand('qspAdd', { numberOfKeys: 5, lua: ADD })
  redis.defineCommand('qspStart', { numberOfKeys: 3, lua: START })
  redis.defineCommand('qspSettle', { numberOfKeys: 5, lua: SETTLE })
  redis.defineCommand('qspCancel', { numberOfKeys: 4, lua: CANCEL })
  redis.defineCommand('qspRetry', { numberOfKeys: 7, lua: RETRY })
  redis.defineCommand('qspPurge', { numberOfKeys: 5, lua: PURGE })
  return redis
}
