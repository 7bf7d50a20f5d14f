import { defineScript } from '../script.js'
import { LIBRARY } from './library.js'

/**
 * Extends the leases of attempts this instance still runs, so no other instance takes them over.
 * ARGV: prefix, leaseUntil (epoch ms), leases (JSON array of [id, lease] pairs).
 * Result: how many leases were still this instance's.
 */
export const renewLeases = defineScript<number>({
  args: ['prefix', 'leaseUntil', 'leases'],
  lua: `${LIBRARY}
local until_ms, renewed = tonumber(ARGV[2]), 0
for _, pair in ipairs(cjson.decode(ARGV[3])) do
  local current = redis.call('HMGET', key_pb(pair[1]), 'lease', 'dest')
  if current[1] == pair[2] then
    redis.call('ZADD', K_LEASES, 'XX', until_ms, pair[1])
    redis.call('ZADD', key_in_flight(current[2]), 'XX', until_ms, pair[1])
    renewed = renewed + 1
  end
end
return renewed`,
})

/**
 * Takes back the postbacks of instances that stopped renewing their leases (they died or lost
 * Redis): each becomes pending and due at once, and its slot is free again. The attempt that was
 * cut off is not counted.
 * ARGV: prefix, now, cap, limit (most leases handled per call).
 * Result: {taken back, nextDue ('' or the earliest due time of a destination with a free slot)}.
 * Publishes on `wake` when it took any back.
 */
export const reapLeases = defineScript<[number, string]>({
  args: ['prefix', 'now', 'cap', 'limit'],
  lua: `${LIBRARY}
local now, cap = tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', K_LEASES, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
local touched = {}
for _, id in ipairs(expired) do
  redis.call('ZREM', K_LEASES, id)
  local current = redis.call('HMGET', key_pb(id), 'status', 'dest')
  if current[2] then
    redis.call('ZREM', key_in_flight(current[2]), id)
    touched[current[2]] = true
  end
  if current[1] == 'processing' then
    redis.call('HSET', key_pb(id), 'status', 'pending', 'lease', '', 'updated_at', now, 'next_attempt_at', now)
    move_status(id, 'processing', 'pending')
    redis.call('ZADD', key_due(current[2]), now, id)
  end
end
for dest in pairs(touched) do refresh_ready(dest, cap, now) end
if #expired > 0 then redis.call('PUBLISH', K_WAKE, now) end
return {#expired, next_due()}`,
})
