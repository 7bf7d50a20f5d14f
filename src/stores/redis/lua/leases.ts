import { defineScript } from '../script.js'
import { HEALTH } from './health.js'
import { BUCKET_MS, WINDOW_MS } from '../../../postbacks/activity.js'
import { COMMON_ARGS, LIBRARY } from './library.js'

/**
 * Extends the leases of attempts this instance still runs, so no other instance takes them over.
 * ARGV: COMMON_ARGS, leaseUntil (epoch ms), leases (JSON array of [id, lease] pairs).
 * Result: how many leases were still this instance's.
 */
export const renewLeases = defineScript<number>({
  args: [...COMMON_ARGS, 'leaseUntil', 'leases'],
  lua: `${LIBRARY}
local until_ms, renewed = tonumber(ARGV[7]), 0
for _, pair in ipairs(cjson.decode(ARGV[8])) do
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
 * The cluster's clockwork, run every second by every instance (each change happens once, inside
 * the script):
 * - takes back the postbacks of instances that stopped renewing their leases (they died or lost
 *   Redis): each becomes pending and due at once, its slot free again; the cut-off attempt is
 *   not counted (a cut-off probe is made again);
 * - quarantines destinations whose failure streak has lasted DESTINATION_QUARANTINE_AFTER_MS;
 * - fails the pending postbacks of destinations quarantined for DESTINATION_GIVE_UP_AFTER_MS
 *   (and again each period while they stay quarantined); their ends wait to be handed over.
 * ARGV: COMMON_ARGS, limit (most of each per call), giveUpAfterMs, error (lastError of given-up postbacks).
 * Result: {taken back, nextDue ('' or when a destination may next start a due postback), events
 *   (flat, 4 per event, as settleAndClaim's)}.
 * Publishes on `wake` when it took any back.
 */
export const runClockwork = defineScript<[number, string, string[]]>({
  args: [...COMMON_ARGS, 'limit', 'giveUpAfterMs', 'error'],
  lua: `${LIBRARY}${HEALTH}
local limit, give_up_after = tonumber(ARGV[7]), tonumber(ARGV[8])
local touched, events = {}, {}
local expired = redis.call('ZRANGEBYSCORE', K_LEASES, '-inf', NOW, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  redis.call('ZREM', K_LEASES, id)
  local current = redis.call('HMGET', key_pb(id), 'status', 'dest')
  local dest = current[2]
  if dest then
    redis.call('ZREM', key_in_flight(dest), id)
    touched[dest] = true
  end
  if current[1] == 'processing' then
    redis.call('HSET', key_pb(id), 'status', 'pending', 'lease', '', 'updated_at', NOW, 'next_attempt_at', NOW)
    move_status(id, 'processing', 'pending')
    redis.call('ZADD', key_due(dest), NOW, id)
    local d = redis.call('HMGET', key_dest(dest), 'quarantined_at', 'probe_at')
    if d[1] and not d[2] then redis.call('HSET', key_dest(dest), 'probe_at', NOW) end
  end
end

if QUARANTINE_AFTER > 0 then
  for _, dest in ipairs(redis.call('ZRANGEBYSCORE', K_STREAKING, '-inf', NOW - QUARANTINE_AFTER, 'LIMIT', 0, limit)) do
    local h = redis.call('HMGET', key_dest(dest), 'streak', 'quarantined_at')
    if (tonumber(h[1]) or 0) >= MIN_STREAK and not h[2] then
      local event = quarantine(dest)
      events[#events + 1] = event[1]
      events[#events + 1] = dest
      events[#events + 1] = event[2]
      events[#events + 1] = event[3] or ''
      touched[dest] = true
    else
      redis.call('ZREM', K_STREAKING, dest)
    end
  end
end

local error = ARGV[9]
for _, dest in ipairs(redis.call('ZRANGEBYSCORE', K_QUARANTINED, '-inf', NOW - give_up_after, 'LIMIT', 0, limit)) do
  for _, id in ipairs(redis.call('ZRANGE', key_due(dest), 0, -1)) do fail_pending(id, error .. dest) end
  redis.call('DEL', key_due(dest))
  local heads = redis.call('HGETALL', key_heads(dest))
  for i = 1, #heads, 2 do
    local line = key_line(dest, heads[i])
    for _, id in ipairs(redis.call('LRANGE', line, 0, -1)) do fail_pending(id, error .. dest) end
    redis.call('DEL', line)
    -- A head that is in flight keeps its place; one that was due ended above.
    if redis.call('HGET', key_pb(heads[i + 1]), 'status') ~= 'processing' then redis.call('HDEL', key_heads(dest), heads[i]) end
  end
  redis.call('HSET', key_dest(dest), 'waiting', 0)
  redis.call('ZADD', K_QUARANTINED, NOW, dest)
  touched[dest] = true
end

for dest in pairs(touched) do refresh_ready(dest) end
if #expired > 0 then redis.call('PUBLISH', K_WAKE, NOW) end
local depth = redis.call('ZCARD', key_status('pending')) + redis.call('ZCARD', key_status('processing'))
redis.call('HSET', activity_key(), 'depth', depth)
redis.call('PEXPIRE', activity_key(), ${WINDOW_MS + BUCKET_MS})
return {#expired, next_due(), events}`,
})

/**
 * Takes ends whose callbacks no instance has queued for `graceMs` (the instance that recorded them
 * died, or a give-up ended them), for this instance to hand over; each is taken for another
 * `graceMs`.
 * ARGV: COMMON_ARGS, graceMs, limit.
 * Result: flat, per end: id, status, then the DUE_FIELDS values.
 */
export const takeUnhandledEnds = defineScript<string[]>({
  args: [...COMMON_ARGS, 'graceMs', 'limit'],
  lua: `${LIBRARY}
local ids = redis.call('ZRANGEBYSCORE', K_ENDS, '-inf', NOW - tonumber(ARGV[7]), 'LIMIT', 0, tonumber(ARGV[8]))
local taken = {}
for _, id in ipairs(ids) do
  local status = redis.call('HGET', key_pb(id), 'status')
  if status == 'completed' or status == 'failed' then
    redis.call('ZADD', K_ENDS, NOW, id)
    taken[#taken + 1] = id
    taken[#taken + 1] = status
    local fields = redis.call('HMGET', key_pb(id), unpack(DUE_FIELDS))
    for f = 1, #DUE_FIELDS do taken[#taken + 1] = fields[f] or '' end
  else
    redis.call('ZREM', K_ENDS, id)
  end
end
return taken`,
})
