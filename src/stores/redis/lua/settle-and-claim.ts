import { defineScript } from '../script.js'
import { LIBRARY } from './library.js'

/** One finished attempt, or (kind `release`) an attempt cut off by shutdown that is handed back. */
export interface SettleRecord {
  /** postback id */
  id: string
  /** the lease it was claimed with */
  lease: string
  kind: 'completed' | 'retry' | 'failed' | 'release'
  /** retry: when, epoch ms; otherwise '' */
  retryAt: string
  error: string
  statusCode: string
  /** the attempt as JSON */
  attempt: string
  /** success, overload or failure */
  load: string
}

/**
 * Records finished attempts, then claims due postbacks for this instance, in one step (one round
 * trip per batch). An attempt whose lease is no longer this instance's (it was taken over after
 * the lease ran out) is not recorded. Claims take destinations in order of their earliest due
 * postback, each up to its free slots (cluster-wide), up to `wanted` in all.
 * ARGV: prefix, now, cap, records (JSON array of SettleRecord), wanted, lease (for the claims),
 *   leaseUntil (epoch ms).
 * Result: {recorded (array of 1/0, one per record), claimed (flat: id, then the DUE_FIELDS values,
 *   per claim), nextDue ('' or the earliest due time of a destination with a free slot)}.
 * Publishes on `wake` when due work is left that this instance had no room for, or when the
 * earliest due time moved earlier.
 */
export const settleAndClaim = defineScript<[number[], string[], string]>({
  args: ['prefix', 'now', 'cap', 'records', 'wanted', 'lease', 'leaseUntil'],
  lua: `${LIBRARY}
local now, cap = tonumber(ARGV[2]), tonumber(ARGV[3])
local wanted, lease, lease_until = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local due_before = tonumber(next_due())

local function settle(r)
  local pb = key_pb(r.id)
  local current = redis.call('HMGET', pb, 'status', 'lease', 'dest')
  if current[1] ~= 'processing' or current[2] ~= r.lease then return nil end
  local dest = current[3]
  if r.kind ~= 'release' then record_load(dest, r.load, cap, now) end
  redis.call('ZREM', key_in_flight(dest), r.id)
  redis.call('ZREM', K_LEASES, r.id)
  if r.kind == 'release' then
    redis.call('HSET', pb, 'status', 'pending', 'lease', '', 'updated_at', now, 'next_attempt_at', now)
    move_status(r.id, 'processing', 'pending')
    redis.call('ZADD', key_due(dest), now, r.id)
    return dest
  end
  local status, finished_at = 'pending', ''
  if r.kind ~= 'retry' then status, finished_at = r.kind, now end
  redis.call('HINCRBY', pb, 'attempts_made', 1)
  redis.call('HSET', pb, 'status', status, 'lease', '', 'updated_at', now, 'next_attempt_at', r.retryAt,
    'last_error', r.error, 'last_status_code', r.statusCode, 'finished_at', finished_at)
  redis.call('RPUSH', key_attempts(r.id), r.attempt)
  move_status(r.id, 'processing', status)
  if r.kind == 'retry' then
    redis.call('ZADD', key_due(dest), tonumber(r.retryAt), r.id)
  else
    redis.call('ZADD', K_FINISHED, now, r.id)
  end
  return dest
end

local recorded, touched = {}, {}
for i, r in ipairs(cjson.decode(ARGV[4])) do
  local dest = settle(r)
  recorded[i] = dest and 1 or 0
  if dest then touched[dest] = true end
end
for dest in pairs(touched) do refresh_ready(dest, cap, now) end

local claimed = {}
if wanted > 0 then
  local dests = redis.call('ZRANGEBYSCORE', K_READY, '-inf', now, 'LIMIT', 0, wanted + 16)
  for _, dest in ipairs(dests) do
    local window = dest_state(dest, cap, now)
    local free = limit_of(window, cap) - redis.call('ZCARD', key_in_flight(dest))
    local ids = {}
    if free > 0 then
      ids = redis.call('ZRANGEBYSCORE', key_due(dest), '-inf', now, 'LIMIT', 0, math.min(free, wanted))
    end
    for _, id in ipairs(ids) do
      local pb = key_pb(id)
      redis.call('ZREM', key_due(dest), id)
      if redis.call('HGET', pb, 'status') == 'pending' then
        redis.call('ZADD', key_in_flight(dest), lease_until, id)
        redis.call('ZADD', K_LEASES, lease_until, id)
        redis.call('HSET', pb, 'status', 'processing', 'lease', lease, 'updated_at', now)
        move_status(id, 'pending', 'processing')
        claimed[#claimed + 1] = id
        local fields = redis.call('HMGET', pb, unpack(DUE_FIELDS))
        for f = 1, #DUE_FIELDS do claimed[#claimed + 1] = fields[f] or '' end
        wanted = wanted - 1
      end
    end
    if #ids > 0 then
      redis.call('HSET', key_dest(dest), 'active_at', now)
      redis.call('PEXPIRE', key_dest(dest), 86400000)
      redis.call('ZADD', K_DESTINATIONS, now, dest)
    end
    refresh_ready(dest, cap, now)
    if wanted <= 0 then break end
  end
end

local due = next_due()
local due_after = tonumber(due)
if due_after and ((due_after <= now and wanted <= 0) or (due_after > now and (not due_before or due_after < due_before))) then
  redis.call('PUBLISH', K_WAKE, due)
end
return {recorded, claimed, due}`,
})
