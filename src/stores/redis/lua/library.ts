// Lua shared by the scripts: key names (from KEY_PARTS), each destination's state (its window,
// health, hold, rate bucket and pause, mirroring src/postbacks/destination-window.ts and
// src/destinations/{health,rate}.ts), the `ready` index and ordering keys. Every script's ARGV
// starts with COMMON_ARGS and includes this library.
import { IDLE_MS, RECENT_ATTEMPTS } from '../../../postbacks/destination-window.js'
import { MIN_STREAK } from '../../../destinations/health.js'
import { BUCKET_MS, WINDOW_MS } from '../../../postbacks/activity.js'
import { KEY_PARTS as K } from '../keys.js'
import { DUE_FIELDS } from '../record.js'

/** The first arguments of every script: where the keys are, the time, and the delivery rules. */
export const COMMON_ARGS = ['prefix', 'now', 'cap', 'quarantineAfterMs', 'firstProbeMs', 'maxProbeMs'] as const
export type CommonArgs = Record<(typeof COMMON_ARGS)[number], string | number>

export const LIBRARY = `
local P, NOW, CAP = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local QUARANTINE_AFTER, FIRST_PROBE, MAX_PROBE = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function key_pb(id) return P .. '${K.postback}' .. id end
local function key_status(status) return P .. '${K.status}' .. status end
local function key_due(dest) return P .. '${K.due}' .. dest end
local function key_in_flight(dest) return P .. '${K.inFlight}' .. dest end
local function key_dest(dest) return P .. '${K.destination}' .. dest end
local function key_heads(dest) return P .. '${K.orderingHeads}' .. dest end
local function key_line(dest, okey) return P .. '${K.orderingLine}' .. dest .. '|' .. okey end
local function key_attempts(id) return key_pb(id) .. '${K.attempts}' end
local function key_idem(key) return P .. '${K.idempotency}' .. key end
local K_ALL = P .. '${K.all}'
local K_READY = P .. '${K.ready}'
local K_LEASES = P .. '${K.leases}'
local K_FINISHED = P .. '${K.finished}'
local K_WAKE = P .. '${K.wake}'
local K_DESTINATIONS = P .. '${K.destinations}'
local K_STREAKING = P .. '${K.streaking}'
local K_QUARANTINED = P .. '${K.quarantined}'
local K_ENDS = P .. '${K.unhandledEnds}'

-- Moves an id from one status index to another.
local function move_status(id, from, to)
  redis.call('ZREM', key_status(from), id)
  redis.call('ZADD', key_status(to), 0, id)
end

local function num(value) return tonumber(value) end

-- The destination's fields that decide what it may start.
local function dest_fields(dest)
  local d = redis.call('HMGET', key_dest(dest), 'window', 'recent', 'active_at', 'max_concurrency', 'paused_at',
    'quarantined_at', 'probe_at', 'hold_until', 'rate_per_second', 'tokens', 'tokens_at')
  return {
    window = num(d[1]), recent = d[2] or '', active_at = num(d[3]) or 0, max_concurrency = num(d[4]),
    paused = d[5] and d[5] ~= '', quarantined = num(d[6]) ~= nil, probe_at = num(d[7]), hold_until = num(d[8]),
    rate = num(d[9]), tokens = num(d[10]), tokens_at = num(d[11]),
  }
end

-- Its cap: maxConcurrency, or POSTBACK_HOST_CONCURRENCY.
local function cap_of(d) return d.max_concurrency or CAP end

-- Its window and recent outcomes ('0' success, '1' failure); idle for ${IDLE_MS} ms with nothing in
-- flight, it starts afresh at its cap.
local function window_of(dest, d)
  local idle = NOW - d.active_at > ${IDLE_MS}
  if d.window == nil or (idle and redis.call('ZCARD', key_in_flight(dest)) == 0) then return cap_of(d), '' end
  return d.window, d.recent
end

-- Attempts it may have in flight (quarantined: one, the probe).
local function limit_of(dest, d)
  if d.quarantined then return 1 end
  local window = window_of(dest, d)
  return math.max(1, math.floor(math.min(window, cap_of(d))))
end

-- Its rate bucket brought up to now: {tokens, at}; nil without ratePerSecond.
local function bucket_of(d)
  if not d.rate then return nil end
  local capacity = math.max(1, d.rate)
  if not d.tokens then return {capacity, NOW} end
  return {math.min(capacity, d.tokens + (NOW - d.tokens_at) / 1000 * d.rate), NOW}
end

-- When it may start an attempt, as far as time goes (hold, probe, rate); nil while it cannot
-- start one at all (paused, or its probe is under way).
local function open_at(d)
  if d.paused then return nil end
  local at = 0
  if d.hold_until and d.hold_until > at then at = d.hold_until end
  if d.quarantined then
    if not d.probe_at then return nil end
    if d.probe_at > at then at = d.probe_at end
  end
  local bucket = bucket_of(d)
  if bucket and bucket[1] < 1 then
    local next_token = bucket[2] + math.ceil((1 - bucket[1]) / d.rate * 1000)
    if next_token > at then at = next_token end
  end
  return at
end

-- Keeps dest in READY, scored by when it may next start one of its due postbacks, exactly while
-- it has one and may start it.
local function refresh_ready(dest)
  local first = redis.call('ZRANGE', key_due(dest), 0, 0, 'WITHSCORES')
  if first[1] == nil then redis.call('ZREM', K_READY, dest) return end
  local d = dest_fields(dest)
  local open = open_at(d)
  if open == nil or redis.call('ZCARD', key_in_flight(dest)) >= limit_of(dest, d) then
    redis.call('ZREM', K_READY, dest)
    return
  end
  redis.call('ZADD', K_READY, math.max(tonumber(first[2]), open), dest)
end

-- The earliest time any destination has work, as a string ('' when none).
local function next_due()
  local head = redis.call('ZRANGE', K_READY, 0, 0, 'WITHSCORES')
  return head[2] or ''
end

-- Puts a pending postback (back) in its destination's due set.
local function make_due(id, dest, at)
  redis.call('ZADD', key_due(dest), at, id)
  refresh_ready(dest)
end

-- A new or re-queued postback with an ordering key goes to the back of its key's line: due at
-- once when the line is empty, else waiting behind the others.
local function enqueue_ordered(id, dest, okey, at)
  if okey == nil or okey == '' then return make_due(id, dest, at) end
  if redis.call('HSETNX', key_heads(dest), okey, id) == 1 then return make_due(id, dest, at) end
  redis.call('RPUSH', key_line(dest, okey), id)
  redis.call('HINCRBY', key_dest(dest), 'waiting', 1)
end

-- A postback is done (completed, failed, canceled): the next of its key's line becomes due.
local function advance_line(id, dest, okey)
  if okey == nil or okey == '' or redis.call('HGET', key_heads(dest), okey) ~= id then return end
  local next_id = redis.call('LPOP', key_line(dest, okey))
  if not next_id then
    redis.call('HDEL', key_heads(dest), okey)
    return
  end
  redis.call('HSET', key_heads(dest), okey, next_id)
  redis.call('HINCRBY', key_dest(dest), 'waiting', -1)
  local at = tonumber(redis.call('HGET', key_pb(next_id), 'next_attempt_at')) or NOW
  make_due(next_id, dest, math.max(at, NOW))
end

-- A postback that ended as completed or failed: its callback, if any, waits in K_ENDS until the
-- instance that recorded the end has queued it. Answers 1 when it waits.
local function keep_end(id, status)
  local url = redis.call('HGET', key_pb(id), status == 'completed' and 'callback_url' or 'failure_callback_url')
  if not url or url == '' then return 0 end
  redis.call('ZADD', K_ENDS, NOW, id)
  return 1
end

-- The activity chart's bucket for now (src/postbacks/activity.ts): what an attempt adds to it.
local function activity_key() return P .. '${K.activity}' .. (math.floor(NOW / ${BUCKET_MS}) * ${BUCKET_MS}) end
local function count_activity(field, dest, failed)
  local k = activity_key()
  redis.call('HINCRBY', k, field, 1)
  if dest then
    redis.call('HINCRBY', k, 'a|' .. dest, 1)
    if failed then redis.call('HINCRBY', k, 'f|' .. dest, 1) end
  end
  redis.call('PEXPIRE', k, ${WINDOW_MS + BUCKET_MS})
end

-- Ends a pending postback as failed without an attempt (giving up on a quarantined destination);
-- its end is handed over by the next instance that looks for unhandled ends.
local function fail_pending(id, error)
  local pb = key_pb(id)
  redis.call('HSET', pb, 'status', 'failed', 'updated_at', NOW, 'finished_at', NOW, 'next_attempt_at', '', 'last_error', error)
  move_status(id, 'pending', 'failed')
  redis.call('ZADD', K_FINISHED, NOW, id)
  redis.call('ZADD', K_ENDS, 0, id)
  count_activity('failed')
end

local DUE_FIELDS = {${DUE_FIELDS.map((f) => `'${f}'`).join(', ')}}
local MIN_STREAK, RECENT = ${MIN_STREAK}, ${RECENT_ATTEMPTS}
`
