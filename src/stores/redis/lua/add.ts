import { defineScript } from '../script.js'
import { LIBRARY } from './library.js'

/**
 * Stores a new postback and makes it due, in one step.
 * ARGV: prefix, now, cap (per-destination concurrency), id, idem (idempotency key or ''),
 *   fingerprint, fields (JSON array of hash field/value pairs), dest, runAt.
 * Result: {id, created (1/0), sameRequest (1/0)}; with a known idempotency key, the first id.
 * Publishes on `wake` when the destination's earliest due time moved earlier.
 */
export const addPostback = defineScript<[string, number, number]>({
  args: ['prefix', 'now', 'cap', 'id', 'idem', 'fingerprint', 'fields', 'dest', 'runAt'],
  lua: `${LIBRARY}
local now, cap, id, idem = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local dest, run_at = ARGV[8], tonumber(ARGV[9])
if idem ~= '' then
  local idem_key = key_idem(idem)
  local existing = redis.call('GET', idem_key)
  if existing then
    local fingerprint = redis.call('HGET', key_pb(existing), 'fingerprint')
    local same = (not fingerprint) or fingerprint == '' or fingerprint == ARGV[6]
    return {existing, 0, same and 1 or 0}
  end
  redis.call('SET', idem_key, id)
end
redis.call('HSET', key_pb(id), unpack(cjson.decode(ARGV[7])))
redis.call('ZADD', K_ALL, 0, id)
redis.call('ZADD', key_status('pending'), 0, id)
local before = tonumber(redis.call('ZSCORE', K_READY, dest))
make_due(id, dest, run_at, cap, now)
local after = tonumber(redis.call('ZSCORE', K_READY, dest))
if after and (not before or after < before) then redis.call('PUBLISH', K_WAKE, after) end
return {id, 1, 1}`,
})
