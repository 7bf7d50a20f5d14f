// The Lua scripts behind cluster-wide presence and occupancy. Every count lives in Redis and
// changes only inside these scripts, so each change (a channel's first socket, a user's last one)
// is seen by exactly one instance. Keys, under `<REDIS_PREFIX>:rt:`:
//   sockets            hash: channel -> its sockets in the whole cluster (counted channels only)
//   users:<channel>    hash: userId -> that user's sockets in a presence channel
//   members:<channel>  hash: userId -> {"since", "info"} while the user is a member
//   due                zset: event JSON -> when it is due; once handed out, when its lease ends
//   pending            hash: "v|<channel>" or "l|[channel,userId]" -> the event a returning socket calls off
//   instances          zset: instance id -> when it counts as dead unless it beats again
//   instance:<id>      set: the memberships of a live instance, as JSON [channel, userId, socketId]
//   dead:<id>, dying   the memberships of dead instances still to be taken out, and whose they are
//   seq                counter for event ids
// Times come from Redis (TIME), so instances with skewed clocks agree.
import { defineScript } from '../../stores/redis/script.js'
import { PRESENCE_PREFIX } from '../schemas/presence.js'

const LIBRARY = `
local P = ARGV[1]
local T = redis.call('TIME')
local NOW = tonumber(T[1]) * 1000 + math.floor(tonumber(T[2]) / 1000)
local K_DUE, K_PENDING, K_SOCKETS = P .. 'due', P .. 'pending', P .. 'sockets'
local K_INSTANCES, K_DYING, K_SEQ = P .. 'instances', P .. 'dying', P .. 'seq'
local function key_users(channel) return P .. 'users:' .. channel end
local function key_members(channel) return P .. 'members:' .. channel end
local function key_instance(id) return P .. 'instance:' .. id end
local function key_dead(id) return P .. 'dead:' .. id end
local function is_presence(channel) return string.sub(channel, 1, ${PRESENCE_PREFIX.length}) == '${PRESENCE_PREFIX}' end
local function vacating(channel) return 'v|' .. channel end
local function leaving(channel, user) return 'l|' .. cjson.encode({channel, user}) end

-- An event as JSON, built by hand so that info (JSON from the caller) passes through untouched.
local function event_json(name, channel, user, info)
  local json = '{"id":"' .. NOW .. '-' .. redis.call('INCR', K_SEQ) .. '","event":"' .. name .. '","at":' .. NOW
  json = json .. ',"channel":' .. cjson.encode(channel)
  if user then json = json .. ',"userId":' .. cjson.encode(user) end
  if info then json = json .. ',"info":' .. info end
  return json .. '}'
end

local function schedule(json, at, pending)
  redis.call('ZADD', K_DUE, at, json)
  if pending then redis.call('HSET', K_PENDING, pending, json) end
  return json
end

-- Calls off a change still waiting out its debounce; true when there was one.
local function call_off(pending)
  local json = redis.call('HGET', K_PENDING, pending)
  if not json then return false end
  redis.call('ZREM', K_DUE, json)
  redis.call('HDEL', K_PENDING, pending)
  return true
end

-- A socket enters a counted channel; the events to hand out now go into out.
local function enter(channel, user, info, occupancy, lease, out)
  if redis.call('HINCRBY', K_SOCKETS, channel, 1) == 1 and not call_off(vacating(channel)) and occupancy then
    table.insert(out, schedule(event_json('channel.occupied', channel), NOW + lease))
  end
  if is_presence(channel) and redis.call('HINCRBY', key_users(channel), user, 1) == 1 and not call_off(leaving(channel, user)) then
    redis.call('HSET', key_members(channel), user, '{"since":' .. NOW .. ',"info":' .. info .. '}')
    table.insert(out, schedule(event_json('presence.joined', channel, user, info), NOW + lease))
  end
end

-- A socket leaves a counted channel; answers when the change it starts is due, or false.
local function exit(channel, user, occupancy, debounce)
  local at = false
  if redis.call('HINCRBY', K_SOCKETS, channel, -1) <= 0 then
    redis.call('HDEL', K_SOCKETS, channel)
    if occupancy then
      at = NOW + debounce
      schedule(event_json('channel.vacated', channel), at, vacating(channel))
    end
  end
  if is_presence(channel) and redis.call('HINCRBY', key_users(channel), user, -1) <= 0 then
    redis.call('HDEL', key_users(channel), user)
    at = NOW + debounce
    schedule(event_json('presence.left', channel, user), at, leaving(channel, user))
  end
  return at
end
`

/**
 * Marks the instance alive until now + ttl.
 * Result: 1 if it was alive, 0 if it was unknown (just started, or declared dead: it must register
 * its memberships again).
 */
export const heartbeat = defineScript<number>({
  args: ['prefix', 'instance', 'ttl'],
  lua: `${LIBRARY}
local alive = redis.call('ZSCORE', K_INSTANCES, ARGV[2])
redis.call('ZADD', K_INSTANCES, NOW + tonumber(ARGV[3]), ARGV[2])
return alive and 1 or 0`,
})

/**
 * Records one socket in one counted channel (info: JSON, or 'null').
 * Result: {0} when the instance is not alive (it registers again at its next beat), else
 * {1, events handed to the caller with a lease…}.
 */
export const joinChannel = defineScript<[number, ...string[]]>({
  args: ['prefix', 'instance', 'member', 'channel', 'userId', 'info', 'occupancy', 'lease'],
  lua: `${LIBRARY}
if not redis.call('ZSCORE', K_INSTANCES, ARGV[2]) then return {0} end
if redis.call('SADD', key_instance(ARGV[2]), ARGV[3]) == 0 then return {1} end
local out = {1}
enter(ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1', tonumber(ARGV[8]), out)
return out`,
})

/** Takes one socket out of one counted channel. Result: {now, when the change it started is due, or 0}. */
export const leaveChannel = defineScript<[number, number]>({
  args: ['prefix', 'instance', 'member', 'channel', 'userId', 'occupancy', 'debounce'],
  lua: `${LIBRARY}
if redis.call('SREM', key_instance(ARGV[2]), ARGV[3]) == 0 then return {NOW, 0} end
return {NOW, exit(ARGV[4], ARGV[5], ARGV[6] == '1', tonumber(ARGV[7])) or 0}`,
})

/**
 * Hands out up to `limit` due events, each with a lease: one not acked (removed from `due`) by
 * then is handed out again. A left or vacated event handed out the first time becomes final: the
 * member leaves the list, and a socket arriving later makes a new change.
 * Result: {now, when the next event is due or 0, events…}.
 */
export const claimDue = defineScript<[number, number, ...string[]]>({
  args: ['prefix', 'limit', 'lease'],
  lua: `${LIBRARY}
local due = redis.call('ZRANGEBYSCORE', K_DUE, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[2]))
for _, json in ipairs(due) do
  redis.call('ZADD', K_DUE, NOW + tonumber(ARGV[3]), json)
  local name = string.match(json, '^{"id":"[%d%-]+","event":"([%a%.]+)"')
  if name == 'channel.vacated' or name == 'presence.left' then
    local event = cjson.decode(json)
    local pending = name == 'channel.vacated' and vacating(event.channel) or leaving(event.channel, event.userId)
    if redis.call('HGET', K_PENDING, pending) == json then
      redis.call('HDEL', K_PENDING, pending)
      if name == 'presence.left' then redis.call('HDEL', key_members(event.channel), event.userId) end
    end
  end
end
local next = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
return {NOW, tonumber(next[2]) or 0, unpack(due)}`,
})

/**
 * Declares dead the instances that stopped beating and takes up to `limit` of their memberships
 * out, as if those sockets had left.
 * Result: {now, memberships taken out, 1 if more remain}.
 */
export const reapDead = defineScript<[number, number, number]>({
  args: ['prefix', 'occupancy', 'debounce', 'limit'],
  lua: `${LIBRARY}
local occupancy, debounce = ARGV[2] == '1', tonumber(ARGV[3])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '-inf', NOW, 'LIMIT', 0, 10)) do
  redis.call('ZREM', K_INSTANCES, id)
  if redis.call('EXISTS', key_instance(id)) == 1 then
    redis.call('SUNIONSTORE', key_dead(id), key_dead(id), key_instance(id))
    redis.call('DEL', key_instance(id))
    redis.call('SADD', K_DYING, id)
  end
end
local taken = 0
local id = redis.call('SRANDMEMBER', K_DYING)
if id then
  for _, member in ipairs(redis.call('SPOP', key_dead(id), tonumber(ARGV[4]))) do
    local m = cjson.decode(member)
    exit(m[1], m[2], occupancy, debounce)
    taken = taken + 1
  end
  if redis.call('EXISTS', key_dead(id)) == 0 then redis.call('SREM', K_DYING, id) end
end
return {NOW, taken, redis.call('SCARD', K_DYING) > 0 and 1 or 0}`,
})

/** Marks the instance dead now (it is closing); the next reap takes out what it still holds. */
export const retire = defineScript<number>({
  args: ['prefix', 'instance'],
  lua: `${LIBRARY}
return redis.call('ZADD', K_INSTANCES, 'XX', 0, ARGV[2])`,
})
