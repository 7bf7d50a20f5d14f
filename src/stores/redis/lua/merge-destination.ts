import { defineScript } from '../script.js'
import { COMMON_ARGS, LIBRARY } from './library.js'

/**
 * Makes destination `from` (a name an earlier version stored, such as a host with a trailing dot)
 * part of `to`, in one step: its due and in-flight postbacks with their times, its ordering keys'
 * lines (where both have a line for a key, `from`'s waits behind `to`'s, in its own order), the
 * postbacks' `dest`, its hash (replaced by `fields`, worked out by src/destinations/merge.ts),
 * and its place in the indexes of destinations, streaks and quarantines.
 * ARGV: COMMON_ARGS, from, to, fields (JSON array of field/value pairs of the merged hash, without
 *   `waiting`, which is counted here).
 * Result: 1.
 * Publishes on `wake` when `to` may start something.
 */
export const mergeDestination = defineScript<number>({
  args: [...COMMON_ARGS, 'from', 'to', 'fields'],
  lua: `${LIBRARY}
local from, to = ARGV[7], ARGV[8]
local function retag(id) redis.call('HSET', key_pb(id), 'dest', to) end

for _, sets in ipairs({{key_due(from), key_due(to)}, {key_in_flight(from), key_in_flight(to)}}) do
  local entries = redis.call('ZRANGE', sets[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    redis.call('ZADD', sets[2], entries[i + 1], entries[i])
    retag(entries[i])
  end
  redis.call('DEL', sets[1])
end

local waiting = (tonumber(redis.call('HGET', key_dest(to), 'waiting')) or 0) + (tonumber(redis.call('HGET', key_dest(from), 'waiting')) or 0)
local heads = redis.call('HGETALL', key_heads(from))
for i = 1, #heads, 2 do
  local okey, head = heads[i], heads[i + 1]
  local line, into = key_line(from, okey), key_line(to, okey)
  local ids = redis.call('LRANGE', line, 0, -1)
  redis.call('DEL', line)
  -- A head in flight finishes on its own; a pending one joins the back of the other line.
  if redis.call('HSETNX', key_heads(to), okey, head) == 0 and redis.call('HGET', key_pb(head), 'status') == 'pending' then
    redis.call('ZREM', key_due(to), head)
    redis.call('RPUSH', into, head)
    waiting = waiting + 1
  end
  for _, id in ipairs(ids) do
    retag(id)
    redis.call('RPUSH', into, id)
  end
end
redis.call('DEL', key_heads(from))

local seen = math.max(tonumber(redis.call('ZSCORE', K_DESTINATIONS, from)) or 0, tonumber(redis.call('ZSCORE', K_DESTINATIONS, to)) or 0)
local give_up_at = redis.call('ZSCORE', K_QUARANTINED, to) or redis.call('ZSCORE', K_QUARANTINED, from)
for _, index in ipairs({K_DESTINATIONS, K_READY, K_STREAKING, K_QUARANTINED}) do redis.call('ZREM', index, from) end
redis.call('DEL', key_dest(to), key_dest(from))
local fields = cjson.decode(ARGV[9])
if #fields > 0 then redis.call('HSET', key_dest(to), unpack(fields)) end
redis.call('HSET', key_dest(to), 'waiting', waiting)
redis.call('ZADD', K_DESTINATIONS, seen, to)

-- Its place among streaks and quarantines follows the health it kept.
local h = redis.call('HMGET', key_dest(to), 'streak', 'streak_since', 'quarantined_at')
if h[3] then
  redis.call('ZADD', K_QUARANTINED, give_up_at or h[3], to)
  redis.call('ZREM', K_STREAKING, to)
else
  redis.call('ZREM', K_QUARANTINED, to)
  if (tonumber(h[1]) or 0) >= MIN_STREAK and h[2] then redis.call('ZADD', K_STREAKING, h[2], to) else redis.call('ZREM', K_STREAKING, to) end
end
refresh_ready(to)
local at = tonumber(redis.call('ZSCORE', K_READY, to))
if at then redis.call('PUBLISH', K_WAKE, math.max(at, NOW)) end
return 1`,
})

/**
 * Renames the destination of finished postbacks (a retry queues them under their `dest`).
 * ARGV: COMMON_ARGS, ids (JSON array), renames (JSON object: old name → new name).
 * Result: how many were renamed.
 */
export const renamePostbackDestinations = defineScript<number>({
  args: [...COMMON_ARGS, 'ids', 'renames'],
  lua: `${LIBRARY}
local renames, renamed = cjson.decode(ARGV[8]), 0
for _, id in ipairs(cjson.decode(ARGV[7])) do
  local to = renames[redis.call('HGET', key_pb(id), 'dest') or '']
  if to then
    redis.call('HSET', key_pb(id), 'dest', to)
    renamed = renamed + 1
  end
end
return renamed`,
})
