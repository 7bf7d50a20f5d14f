import { defineScript } from '../script.js'
import { LIBRARY } from './library.js'

/**
 * Puts a completed, failed or canceled postback back in the queue with a fresh attempt budget,
 * due at once.
 * ARGV: prefix, now, cap, id.
 * Result: 'ok'; the current status when it is not finished; nil when there is no such postback.
 */
export const requeuePostback = defineScript<string | null>({
  args: ['prefix', 'now', 'cap', 'id'],
  lua: `${LIBRARY}
local now, cap, id = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local current = redis.call('HMGET', key_pb(id), 'status', 'dest')
local status, dest = current[1], current[2]
if not status then return nil end
if status ~= 'completed' and status ~= 'failed' and status ~= 'canceled' then return status end
redis.call('ZREM', K_FINISHED, id)
move_status(id, status, 'pending')
redis.call('HSET', key_pb(id), 'status', 'pending', 'attempts_made', 0, 'next_attempt_at', now,
  'finished_at', '', 'updated_at', now)
make_due(id, dest, now, cap, now)
if redis.call('ZSCORE', K_READY, dest) then redis.call('PUBLISH', K_WAKE, now) end
return 'ok'`,
})

/**
 * Cancels a pending postback that is not being delivered.
 * ARGV: prefix, now, cap, id.
 * Result: 'ok'; the current status when it is not pending; nil when there is no such postback.
 */
export const cancelPostback = defineScript<string | null>({
  args: ['prefix', 'now', 'cap', 'id'],
  lua: `${LIBRARY}
local now, cap, id = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local current = redis.call('HMGET', key_pb(id), 'status', 'dest')
local status, dest = current[1], current[2]
if not status then return nil end
if status ~= 'pending' then return status end
redis.call('HSET', key_pb(id), 'status', 'canceled', 'updated_at', now, 'finished_at', now, 'next_attempt_at', '')
move_status(id, 'pending', 'canceled')
redis.call('ZADD', K_FINISHED, now, id)
redis.call('ZREM', key_due(dest), id)
refresh_ready(dest, cap, now)
return 'ok'`,
})

/**
 * Deletes postbacks that finished at or before `cutoff`, with their attempts, indexes and
 * idempotency keys.
 * ARGV: prefix, cutoff (epoch ms), limit.
 * Result: how many were deleted.
 */
export const purgeFinished = defineScript<number>({
  args: ['prefix', 'cutoff', 'limit'],
  lua: `${LIBRARY}
local ids = redis.call('ZRANGE', K_FINISHED, '-inf', ARGV[2], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local current = redis.call('HMGET', key_pb(id), 'idem', 'status')
  if current[1] and current[1] ~= '' then redis.call('DEL', key_idem(current[1])) end
  if current[2] then redis.call('ZREM', key_status(current[2]), id) end
  redis.call('DEL', key_pb(id), key_attempts(id))
  redis.call('ZREM', K_FINISHED, id)
  redis.call('ZREM', K_ALL, id)
end
return #ids`,
})

/**
 * Makes pending or processing postbacks that no due set or lease knows due at once: records
 * written by an earlier version of the service, which kept its schedule in BullMQ.
 * ARGV: prefix, now, cap, ids (JSON array).
 * Result: how many were made due.
 */
export const adoptPostbacks = defineScript<number>({
  args: ['prefix', 'now', 'cap', 'ids'],
  lua: `${LIBRARY}
local now, cap, adopted = tonumber(ARGV[2]), tonumber(ARGV[3]), 0
for _, id in ipairs(cjson.decode(ARGV[4])) do
  local current = redis.call('HMGET', key_pb(id), 'status', 'dest', 'next_attempt_at')
  local status, dest = current[1], current[2]
  local known = dest and (redis.call('ZSCORE', key_due(dest), id) or redis.call('ZSCORE', K_LEASES, id))
  if (status == 'pending' or status == 'processing') and not known then
    if status == 'processing' then move_status(id, 'processing', 'pending') end
    redis.call('HSET', key_pb(id), 'status', 'pending', 'lease', '')
    make_due(id, dest, tonumber(current[3]) or now, cap, now)
    adopted = adopted + 1
  end
end
return adopted`,
})
