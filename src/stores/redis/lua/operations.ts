import { defineScript } from '../script.js'
import { COMMON_ARGS, LIBRARY } from './library.js'

/**
 * Puts a completed, failed or canceled postback back in the queue with a fresh attempt budget:
 * due at once, or at the back of its ordering key's line.
 * ARGV: COMMON_ARGS, id.
 * Result: 'ok'; the current status when it is not finished; nil when there is no such postback.
 */
export const requeuePostback = defineScript<string | null>({
  args: [...COMMON_ARGS, 'id'],
  lua: `${LIBRARY}
local id = ARGV[7]
local current = redis.call('HMGET', key_pb(id), 'status', 'dest', 'ordering_key')
local status, dest = current[1], current[2]
if not status then return nil end
if status ~= 'completed' and status ~= 'failed' and status ~= 'canceled' then return status end
redis.call('ZREM', K_FINISHED, id)
redis.call('ZREM', K_ENDS, id)
move_status(id, status, 'pending')
redis.call('HSET', key_pb(id), 'status', 'pending', 'attempts_made', 0, 'next_attempt_at', NOW,
  'finished_at', '', 'updated_at', NOW)
enqueue_ordered(id, dest, current[3], NOW)
if redis.call('ZSCORE', K_READY, dest) then redis.call('PUBLISH', K_WAKE, NOW) end
return 'ok'`,
})

/**
 * Cancels a pending postback that is not being delivered; the next of its ordering key's line
 * becomes due.
 * ARGV: COMMON_ARGS, id.
 * Result: 'ok'; the current status when it is not pending; nil when there is no such postback.
 */
export const cancelPostback = defineScript<string | null>({
  args: [...COMMON_ARGS, 'id'],
  lua: `${LIBRARY}
local id = ARGV[7]
local current = redis.call('HMGET', key_pb(id), 'status', 'dest', 'ordering_key')
local status, dest, okey = current[1], current[2], current[3]
if not status then return nil end
if status ~= 'pending' then return status end
redis.call('HSET', key_pb(id), 'status', 'canceled', 'updated_at', NOW, 'finished_at', NOW, 'next_attempt_at', '')
move_status(id, 'pending', 'canceled')
redis.call('ZADD', K_FINISHED, NOW, id)
redis.call('ZREM', key_due(dest), id)
if okey and okey ~= '' and redis.call('LREM', key_line(dest, okey), 1, id) == 1 then
  redis.call('HINCRBY', key_dest(dest), 'waiting', -1)
else
  advance_line(id, dest, okey)
end
refresh_ready(dest)
return 'ok'`,
})

/**
 * Deletes postbacks that finished at or before `cutoff`, with their attempts, indexes and
 * idempotency keys.
 * ARGV: COMMON_ARGS, cutoff (epoch ms), limit.
 * Result: how many were deleted.
 */
export const purgeFinished = defineScript<number>({
  args: [...COMMON_ARGS, 'cutoff', 'limit'],
  lua: `${LIBRARY}
local ids = redis.call('ZRANGE', K_FINISHED, '-inf', ARGV[7], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[8]))
for _, id in ipairs(ids) do
  local current = redis.call('HMGET', key_pb(id), 'idem', 'status')
  if current[1] and current[1] ~= '' then redis.call('DEL', key_idem(current[1])) end
  if current[2] then redis.call('ZREM', key_status(current[2]), id) end
  redis.call('DEL', key_pb(id), key_attempts(id))
  redis.call('ZREM', K_FINISHED, id)
  redis.call('ZREM', K_ALL, id)
  redis.call('ZREM', K_ENDS, id)
end
return #ids`,
})

/**
 * Makes pending or processing postbacks that no due set, line or lease knows due at once: records
 * written by an earlier version of the service, which kept its schedule in BullMQ.
 * ARGV: COMMON_ARGS, ids (JSON array).
 * Result: how many were made due.
 */
export const adoptPostbacks = defineScript<number>({
  args: [...COMMON_ARGS, 'ids'],
  lua: `${LIBRARY}
local adopted = 0
for _, id in ipairs(cjson.decode(ARGV[7])) do
  local current = redis.call('HMGET', key_pb(id), 'status', 'dest', 'next_attempt_at')
  local status, dest = current[1], current[2]
  local known = dest and (redis.call('ZSCORE', key_due(dest), id) or redis.call('ZSCORE', K_LEASES, id))
  if (status == 'pending' or status == 'processing') and not known then
    if status == 'processing' then move_status(id, 'processing', 'pending') end
    redis.call('HSET', key_pb(id), 'status', 'pending', 'lease', '')
    redis.call('ZADD', K_DESTINATIONS, 'NX', NOW, dest)
    make_due(id, dest, tonumber(current[3]) or NOW)
    adopted = adopted + 1
  end
end
return adopted`,
})

/**
 * A destination's settings or pause changed: its place in `ready` is worked out again, and idle
 * instances are woken when it may start something now.
 * ARGV: COMMON_ARGS, dest.
 * Result: 1.
 */
export const refreshDestination = defineScript<number>({
  args: [...COMMON_ARGS, 'dest'],
  lua: `${LIBRARY}
local dest = ARGV[7]
refresh_ready(dest)
local at = tonumber(redis.call('ZSCORE', K_READY, dest))
if at then redis.call('PUBLISH', K_WAKE, math.max(at, NOW)) end
return 1`,
})

/**
 * Forgets destinations idle since `before` that say nothing a default would not: no settings,
 * pause, quarantine, streak, secrets, or postbacks waiting or in flight.
 * ARGV: COMMON_ARGS, before (epoch ms), limit.
 * Result: how many were forgotten.
 */
export const forgetIdleDestinations = defineScript<number>({
  args: [...COMMON_ARGS, 'before', 'limit'],
  lua: `${LIBRARY}
local forgotten = 0
for _, dest in ipairs(redis.call('ZRANGEBYSCORE', K_DESTINATIONS, '-inf', ARGV[7], 'LIMIT', 0, tonumber(ARGV[8]))) do
  local d = redis.call('HMGET', key_dest(dest), 'max_concurrency', 'rate_per_second', 'timeout_ms', 'paused_at',
    'quarantined_at', 'secret', 'previous_secret', 'streak', 'waiting')
  local keeps = d[1] or d[2] or d[3] or d[4] or d[5] or d[6] or d[7] or (tonumber(d[8]) or 0) > 0 or (tonumber(d[9]) or 0) > 0
  if not keeps and redis.call('ZCARD', key_due(dest)) == 0 and redis.call('ZCARD', key_in_flight(dest)) == 0 then
    redis.call('DEL', key_dest(dest), key_heads(dest))
    redis.call('ZREM', K_DESTINATIONS, dest)
    forgotten = forgotten + 1
  end
end
return forgotten`,
})
