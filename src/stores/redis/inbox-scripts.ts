// The Lua scripts of STORE=redis's durable inbox. Keys, under `<REDIS_PREFIX>:inbox:`:
//   q:<userId>   zset: messageId -> seq (the order stored, from `seq`, shared by every user)
//   e:<userId>   zset: messageId -> when it expires (epoch ms)
//   m:<userId>   hash: messageId -> the message as JSON
//   expiring     zset: userId -> that user's earliest expiry, so expired messages are found without a scan
//   counts       zset: userId -> how many messages that user has (expired ones until purged), for the busiest
//   seq          counter
// Every script takes ARGV prefix and now first and drops the user's expired messages before it
// reads or counts, so an expired message is never replayed or counted.
import { defineScript } from './script.js'

const LIBRARY = `
local P, NOW = ARGV[1], tonumber(ARGV[2])
local K_EXPIRING, K_SEQ, K_COUNTS = P .. 'expiring', P .. 'seq', P .. 'counts'
local function key_order(user) return P .. 'q:' .. user end
local function key_expiry(user) return P .. 'e:' .. user end
local function key_messages(user) return P .. 'm:' .. user end

local function recount(user)
  local n = redis.call('ZCARD', key_order(user))
  if n > 0 then redis.call('ZADD', K_COUNTS, n, user) else redis.call('ZREM', K_COUNTS, user) end
end

-- Keeps the user's entries in expiring (their earliest expiry) and counts (none when they have no message).
local function reindex(user)
  local first = redis.call('ZRANGE', key_expiry(user), 0, 0, 'WITHSCORES')
  if first[2] then redis.call('ZADD', K_EXPIRING, first[2], user) else redis.call('ZREM', K_EXPIRING, user) end
  recount(user)
end

local function remove(user, ids)
  for i = 1, #ids, 500 do
    local chunk = {unpack(ids, i, math.min(i + 499, #ids))}
    redis.call('ZREM', key_order(user), unpack(chunk))
    redis.call('ZREM', key_expiry(user), unpack(chunk))
    redis.call('HDEL', key_messages(user), unpack(chunk))
  end
end

local function purge_user(user)
  local expired = redis.call('ZRANGEBYSCORE', key_expiry(user), '-inf', NOW)
  if #expired == 0 then return 0 end
  remove(user, expired)
  reindex(user)
  return #expired
end
`

const COMMON = ['prefix', 'now'] as const

/**
 * Stores one copy per user (users: JSON array of userIds), all or none.
 * Result: '' when stored, else the first user who already holds `max` messages.
 */
export const addMessage = defineScript<string>({
  args: [...COMMON, 'max', 'messageId', 'body', 'expiresAt', 'users'],
  lua: `${LIBRARY}
local max, id, body, expires_at = tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
local users = cjson.decode(ARGV[7])
for _, user in ipairs(users) do
  purge_user(user)
  if redis.call('ZCARD', key_order(user)) >= max then return user end
end
for _, user in ipairs(users) do
  redis.call('ZADD', key_order(user), redis.call('INCR', K_SEQ), id)
  redis.call('ZADD', key_expiry(user), expires_at, id)
  redis.call('HSET', key_messages(user), id, body)
  local earliest = tonumber(redis.call('ZSCORE', K_EXPIRING, user))
  if not earliest or expires_at < earliest then redis.call('ZADD', K_EXPIRING, expires_at, user) end
  recount(user)
end
return ''`,
})

/**
 * A user's messages after seq `after`, in order: at most `limit`, and at most `maxBytes` of bodies
 * unless the first alone is larger. Result: {seq, body, seq, body, …}.
 */
export const pendingMessages = defineScript<string[]>({
  args: [...COMMON, 'userId', 'after', 'limit', 'maxBytes'],
  lua: `${LIBRARY}
local user, budget = ARGV[3], tonumber(ARGV[6])
purge_user(user)
local found = redis.call('ZRANGEBYSCORE', key_order(user), '(' .. ARGV[4], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[5]))
if #found == 0 then return {} end
local ids = {}
for i = 1, #found, 2 do table.insert(ids, found[i]) end
local bodies = redis.call('HMGET', key_messages(user), unpack(ids))
local result, bytes = {}, 0
for i, body in ipairs(bodies) do
  bytes = bytes + #body
  if i > 1 and bytes > budget then break end
  table.insert(result, found[i * 2])
  table.insert(result, body)
end
return result`,
})

/** Removes the user's copy. Result: 1 when it was there. */
export const ackMessage = defineScript<number>({
  args: [...COMMON, 'userId', 'messageId'],
  lua: `${LIBRARY}
local user = ARGV[3]
if redis.call('ZREM', key_order(user), ARGV[4]) == 0 then return 0 end
remove(user, {ARGV[4]})
reindex(user)
return 1`,
})

/** Result: {pending count, the oldest message's JSON or ''}. */
export const inboxStats = defineScript<[number, string]>({
  args: [...COMMON, 'userId'],
  lua: `${LIBRARY}
local user = ARGV[3]
purge_user(user)
local first = redis.call('ZRANGE', key_order(user), 0, 0)
local body = first[1] and redis.call('HGET', key_messages(user), first[1]) or ''
return {redis.call('ZCARD', key_order(user)), body}`,
})

/**
 * The users with the most messages, at most `limit`, each purged first so that what is answered
 * is unexpired. Result: {userId, pending, oldest message's timestamp, …}. The timestamp is read
 * from the end of the body (the driver writes it last but for messageId), so a large message is
 * not decoded; a body written another way is.
 */
export const busiestInboxes = defineScript<(string | number)[]>({
  args: [...COMMON, 'limit'],
  lua: `${LIBRARY}
local result = {}
for _, user in ipairs(redis.call('ZREVRANGE', K_COUNTS, 0, tonumber(ARGV[3]) - 1)) do
  purge_user(user)
  local first = redis.call('ZRANGE', key_order(user), 0, 0)[1]
  if first then
    local body = redis.call('HGET', key_messages(user), first)
    local at = body:sub(-(#first + 64)):match('"timestamp":"([^"]*)","messageId":"[^"]*"}$') or cjson.decode(body).timestamp
    table.insert(result, user)
    table.insert(result, redis.call('ZCARD', key_order(user)))
    table.insert(result, at)
  end
end
return result`,
})

/** Removes every message of the user. Result: how many there were. */
export const clearInbox = defineScript<number>({
  args: [...COMMON, 'userId'],
  lua: `${LIBRARY}
local user = ARGV[3]
local count = redis.call('ZCARD', key_order(user))
redis.call('DEL', key_order(user), key_expiry(user), key_messages(user))
redis.call('ZREM', K_EXPIRING, user)
redis.call('ZREM', K_COUNTS, user)
return count`,
})

/** Drops the expired messages of up to `limit` users. Result: messages dropped. */
export const purgeExpired = defineScript<number>({
  args: [...COMMON, 'limit'],
  lua: `${LIBRARY}
local dropped = 0
for _, user in ipairs(redis.call('ZRANGEBYSCORE', K_EXPIRING, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[3]))) do
  dropped = dropped + purge_user(user)
end
return dropped`,
})
