import { defineScript } from '../script.js'
import { HEALTH } from './health.js'
import { COMMON_ARGS, LIBRARY } from './library.js'

/** One finished attempt, or (kind `release`) an attempt cut off by shutdown that is handed back. */
export interface SettleRecord {
  /** postback id */
  id: string
  /** the lease it was claimed with */
  lease: string
  kind: 'completed' | 'retry' | 'failed' | 'release'
  /** retry, or a release of a delivery not sent: when, epoch ms; otherwise '' */
  retryAt: string
  error: string
  statusCode: string
  /** the attempt as JSON */
  attempt: string
  /** when the attempt started, epoch ms */
  startedAt: string
  /** success, overload or failure (the load window) */
  load: string
  /** fail, ok or none (the destination's health) */
  streak: string
  /** '1' when the attempt probed a quarantined destination (it is not counted) */
  probe: string
  /** a Retry-After hold on the destination until then, epoch ms, or '' */
  hold: string
}

/** A destination event seen while recording: [kind, destination, reason or streak, since]. */
export type RawDestinationEvent = [string, string, string, string?]

/**
 * Records finished attempts, marks ends handled, then claims due postbacks for this instance, in
 * one step (one round trip per batch). An attempt whose lease is no longer this instance's (it was
 * taken over after the lease ran out) is not recorded. Claims take destinations in order of when
 * they may next start a due postback, each up to its free slots (cluster-wide), rate tokens, and
 * (quarantined) its one probe, up to `wanted` in all.
 * ARGV: COMMON_ARGS, records (JSON array of SettleRecord), handled (JSON array of ids whose
 *   callbacks are queued), wanted, lease (for the claims), leaseUntil (epoch ms).
 * Result: {recorded (per record: 0 not recorded, 1 recorded and still pending, 2 recorded as ended,
 *   3 ended and its end waits to be handled), claimed (flat, CLAIM_WIDTH values per claim: id, DUE_FIELDS, CLAIM_FIELDS), nextDue
 *   ('' or when a destination may next start a due postback), events (flat, 4 per event)}.
 * Publishes on `wake` when due work is left that this instance had no room for, or when the
 * earliest due time moved earlier.
 */
export const settleAndClaim = defineScript<[number[], string[], string, string[]]>({
  args: [...COMMON_ARGS, 'records', 'handled', 'wanted', 'lease', 'leaseUntil'],
  lua: `${LIBRARY}${HEALTH}
local wanted, lease, lease_until = tonumber(ARGV[9]), ARGV[10], tonumber(ARGV[11])
local due_before = tonumber(next_due())
local events = {}

local function settle(r)
  local pb = key_pb(r.id)
  local current = redis.call('HMGET', pb, 'status', 'lease', 'dest', 'ordering_key')
  if current[1] ~= 'processing' or current[2] ~= r.lease then return 0, nil end
  local dest, okey = current[3], current[4]
  redis.call('ZREM', key_in_flight(dest), r.id)
  redis.call('ZREM', K_LEASES, r.id)
  if r.kind == 'release' then
    -- No attempt: cut off by shutdown (due at once), or not sent (due, its destination held, until retryAt).
    local at = tonumber(r.retryAt) or NOW
    redis.call('HSET', pb, 'status', 'pending', 'lease', '', 'updated_at', NOW, 'next_attempt_at', at)
    if r.error ~= '' then
      redis.call('HSET', pb, 'last_error', r.error)
      redis.call('HSET', key_dest(dest), 'last_error', r.error)
    end
    hold_dest(dest, r.hold)
    move_status(r.id, 'processing', 'pending')
    redis.call('ZADD', key_due(dest), at, r.id)
    if r.probe == '1' then redis.call('HSET', key_dest(dest), 'probe_at', NOW) end
    return 1, dest
  end
  record_load(dest, r)
  count_activity('attempts', dest, r.load ~= 'success')
  local event, keep_until = record_health(dest, r)
  if event then
    events[#events + 1] = event[1]
    events[#events + 1] = dest
    events[#events + 1] = event[2]
    events[#events + 1] = event[3] or ''
  end
  local kind, retry_at = r.kind, r.retryAt
  if keep_until then kind, retry_at = 'retry', tostring(keep_until) end
  local status, finished_at = 'pending', ''
  if kind ~= 'retry' then status, finished_at = kind, NOW end
  if r.probe ~= '1' then redis.call('HINCRBY', pb, 'attempts_made', 1) end
  redis.call('HSET', pb, 'status', status, 'lease', '', 'updated_at', NOW, 'next_attempt_at', retry_at,
    'last_error', r.error, 'last_status_code', r.statusCode, 'finished_at', finished_at)
  redis.call('RPUSH', key_attempts(r.id), r.attempt)
  move_status(r.id, 'processing', status)
  if kind == 'retry' then
    redis.call('ZADD', key_due(dest), tonumber(retry_at), r.id)
    return 1, dest
  end
  redis.call('ZADD', K_FINISHED, NOW, r.id)
  if status == 'completed' then count_activity('delivered') else count_activity('failed') end
  advance_line(r.id, dest, okey)
  return 2 + keep_end(r.id, status), dest
end

local recorded, touched = {}, {}
for i, r in ipairs(cjson.decode(ARGV[7])) do
  local outcome, dest = settle(r)
  recorded[i] = outcome
  if dest then touched[dest] = true end
end
for _, id in ipairs(cjson.decode(ARGV[8])) do redis.call('ZREM', K_ENDS, id) end
for dest in pairs(touched) do refresh_ready(dest) end

-- How many attempts dest may start now, and whether they probe it.
local function startable(dest, d)
  if d.paused or (d.hold_until and d.hold_until > NOW) then return 0, false end
  local in_flight = redis.call('ZCARD', key_in_flight(dest))
  if d.quarantined then
    if in_flight == 0 and d.probe_at and d.probe_at <= NOW then return 1, true end
    return 0, false
  end
  local free = limit_of(dest, d) - in_flight
  local bucket = bucket_of(d)
  if bucket then free = math.min(free, math.floor(bucket[1])) end
  return free, false
end

local claimed = {}
local function claim(id, dest, d, probe)
  local pb = key_pb(id)
  redis.call('ZADD', key_in_flight(dest), lease_until, id)
  redis.call('ZADD', K_LEASES, lease_until, id)
  redis.call('HSET', pb, 'status', 'processing', 'lease', lease, 'updated_at', NOW)
  move_status(id, 'pending', 'processing')
  claimed[#claimed + 1] = id
  local fields = redis.call('HMGET', pb, unpack(DUE_FIELDS))
  for f = 1, #DUE_FIELDS do claimed[#claimed + 1] = fields[f] or '' end
  local own = redis.call('HMGET', key_dest(dest), 'timeout_ms', 'secret', 'previous_secret', 'rotated_at')
  claimed[#claimed + 1] = probe and '1' or ''
  for f = 1, 4 do claimed[#claimed + 1] = own[f] or '' end
end

if wanted > 0 then
  local dests = redis.call('ZRANGEBYSCORE', K_READY, '-inf', NOW, 'LIMIT', 0, wanted + 16)
  for _, dest in ipairs(dests) do
    local d = dest_fields(dest)
    local free, probe = startable(dest, d)
    local ids = {}
    if free > 0 then
      ids = redis.call('ZRANGEBYSCORE', key_due(dest), '-inf', NOW, 'LIMIT', 0, math.min(free, wanted))
    end
    local taken = 0
    for _, id in ipairs(ids) do
      redis.call('ZREM', key_due(dest), id)
      if redis.call('HGET', key_pb(id), 'status') == 'pending' then
        claim(id, dest, d, probe)
        taken = taken + 1
        wanted = wanted - 1
      end
    end
    if taken > 0 then
      local k = key_dest(dest)
      redis.call('HSET', k, 'active_at', NOW)
      if probe then redis.call('HDEL', k, 'probe_at') end
      local bucket = bucket_of(d)
      if bucket then redis.call('HSET', k, 'tokens', tostring(bucket[1] - taken), 'tokens_at', NOW) end
      redis.call('ZADD', K_DESTINATIONS, NOW, dest)
    end
    refresh_ready(dest)
    if wanted <= 0 then break end
  end
end

local due = next_due()
local due_after = tonumber(due)
if due_after and ((due_after <= NOW and wanted <= 0) or (due_after > NOW and (not due_before or due_after < due_before))) then
  redis.call('PUBLISH', K_WAKE, due)
end
return {recorded, claimed, due, events}`,
})
