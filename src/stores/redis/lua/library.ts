// Lua shared by the scripts: key names (from KEY_PARTS), the destination window (mirroring
// destination-window.ts) and the `ready` index. Every script starts with ARGV[1] = the key
// prefix ending in ':', and includes this library.
import { IDLE_MS, RECENT_ATTEMPTS } from '../../../postbacks/destination-window.js'
import { KEY_PARTS as K } from '../keys.js'
import { DUE_FIELDS } from '../record.js'

export const LIBRARY = `
local P = ARGV[1]
local function key_pb(id) return P .. '${K.postback}' .. id end
local function key_status(status) return P .. '${K.status}' .. status end
local function key_due(dest) return P .. '${K.due}' .. dest end
local function key_in_flight(dest) return P .. '${K.inFlight}' .. dest end
local function key_dest(dest) return P .. '${K.destination}' .. dest end
local function key_attempts(id) return key_pb(id) .. '${K.attempts}' end
local function key_idem(key) return P .. '${K.idempotency}' .. key end
local K_ALL = P .. '${K.all}'
local K_READY = P .. '${K.ready}'
local K_LEASES = P .. '${K.leases}'
local K_FINISHED = P .. '${K.finished}'
local K_WAKE = P .. '${K.wake}'
local K_DESTINATIONS = P .. '${K.destinations}'

-- Moves an id from one status index to another.
local function move_status(id, from, to)
  redis.call('ZREM', key_status(from), id)
  redis.call('ZADD', key_status(to), 0, id)
end

-- The destination's window and recent outcomes ('0' success, '1' failure); a destination idle
-- for ${IDLE_MS} ms with nothing in flight starts afresh at the cap.
local function dest_state(dest, cap, now)
  local d = redis.call('HMGET', key_dest(dest), 'window', 'recent', 'active_at')
  local window = tonumber(d[1])
  local idle = now - (tonumber(d[3]) or 0) > ${IDLE_MS}
  if window == nil or (idle and redis.call('ZCARD', key_in_flight(dest)) == 0) then return cap, '' end
  return window, d[2] or ''
end

local function limit_of(window, cap)
  return math.max(1, math.floor(math.min(window, cap)))
end

-- An attempt to dest ended with signal (success, overload or failure): additive increase,
-- multiplicative decrease of its window. Called while the attempt still counts as in flight.
local function record_load(dest, signal, cap, now)
  local window, recent = dest_state(dest, cap, now)
  if signal == 'overload' then window = math.max(1, window / 2)
  elseif signal == 'success' then window = math.min(cap, window + 1 / math.floor(window)) end
  if signal == 'success' then recent = recent .. '0' else recent = recent .. '1' end
  recent = string.sub(recent, -${RECENT_ATTEMPTS})
  redis.call('HSET', key_dest(dest), 'window', tostring(window), 'recent', recent, 'active_at', now)
  redis.call('PEXPIRE', key_dest(dest), 86400000)
  redis.call('ZADD', K_DESTINATIONS, now, dest)
end

-- Keeps dest in READY, scored by its earliest due postback, exactly while it has one and a free slot.
local function refresh_ready(dest, cap, now)
  local first = redis.call('ZRANGE', key_due(dest), 0, 0, 'WITHSCORES')
  if first[1] == nil then redis.call('ZREM', K_READY, dest) return end
  local window = dest_state(dest, cap, now)
  if redis.call('ZCARD', key_in_flight(dest)) >= limit_of(window, cap) then
    redis.call('ZREM', K_READY, dest)
    return
  end
  redis.call('ZADD', K_READY, first[2], dest)
end

-- The earliest time any destination has work, as a string ('' when none).
local function next_due()
  local head = redis.call('ZRANGE', K_READY, 0, 0, 'WITHSCORES')
  return head[2] or ''
end

-- Puts a pending postback (back) in its destination's due set.
local function make_due(id, dest, at, cap, now)
  redis.call('ZADD', key_due(dest), at, id)
  refresh_ready(dest, cap, now)
end

local DUE_FIELDS = {${DUE_FIELDS.map((f) => `'${f}'`).join(', ')}}
`
