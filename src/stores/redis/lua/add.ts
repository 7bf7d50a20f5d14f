import { defineScript } from '../script.js'
import { COMMON_ARGS, LIBRARY } from './library.js'

/**
 * Stores a new postback and makes it due (or, with an ordering key, puts it in its key's line),
 * in one step.
 * ARGV: COMMON_ARGS, id, idem (idempotency key or ''), fingerprint, fields (JSON array of hash
 *   field/value pairs), dest, runAt, orderingKey (or '').
 * Result: {id, created (1/0), sameRequest (1/0)}; with a known idempotency key, the first id.
 * Publishes on `wake` when the destination's earliest due time moved earlier.
 */
export const addPostback = defineScript<[string, number, number]>({
  args: [...COMMON_ARGS, 'id', 'idem', 'fingerprint', 'fields', 'dest', 'runAt', 'orderingKey'],
  lua: `${LIBRARY}
local id, idem, fingerprint = ARGV[7], ARGV[8], ARGV[9]
local dest, run_at, okey = ARGV[11], tonumber(ARGV[12]), ARGV[13]
if idem ~= '' then
  local idem_key = key_idem(idem)
  local existing = redis.call('GET', idem_key)
  if existing then
    local first = redis.call('HGET', key_pb(existing), 'fingerprint')
    local same = (not first) or first == '' or first == fingerprint
    return {existing, 0, same and 1 or 0}
  end
  redis.call('SET', idem_key, id)
end
redis.call('HSET', key_pb(id), unpack(cjson.decode(ARGV[10])))
redis.call('ZADD', K_ALL, 0, id)
redis.call('ZADD', key_status('pending'), 0, id)
if redis.call('ZADD', K_DESTINATIONS, 'NX', NOW, dest) == 1 then redis.call('HSETNX', key_dest(dest), 'active_since', NOW) end
local before = tonumber(redis.call('ZSCORE', K_READY, dest))
enqueue_ordered(id, dest, okey, run_at)
local after = tonumber(redis.call('ZSCORE', K_READY, dest))
if after and (not before or after < before) then redis.call('PUBLISH', K_WAKE, after) end
return {id, 1, 1}`,
})
