// Lua for what an attempt's end does to its destination: the load window and recent outcomes
// (mirroring nextWindow in src/postbacks/destination-window.ts), the Retry-After hold (also the
// wait of a destination whose deliveries cannot be signed), and the health state machine
// (mirroring afterAttempt in src/destinations/health.ts). Included after LIBRARY by the scripts
// that record attempts or check destinations.
export const HEALTH = `
-- Holds dest until hold (epoch ms, or ''), unless it is held longer already.
local function hold_dest(dest, hold)
  hold = tonumber(hold)
  if hold and hold > NOW and hold > (tonumber(redis.call('HGET', key_dest(dest), 'hold_until')) or 0) then
    redis.call('HSET', key_dest(dest), 'hold_until', hold)
  end
end

-- r: {load, streak, probe ('1'/''), kind, error, startedAt, hold}
local function record_load(dest, r)
  local d = dest_fields(dest)
  local window, recent = window_of(dest, d)
  local cap = cap_of(d)
  if r.load == 'overload' then window = math.max(1, window / 2)
  elseif r.load == 'success' then window = math.min(cap, window + 1 / math.floor(window)) end
  if r.load == 'success' then recent = recent .. '0' else recent = recent .. '1' end
  recent = string.sub(recent, -RECENT)
  local last_error = r.error
  if r.load == 'success' then last_error = '' end
  local k = key_dest(dest)
  redis.call('HSET', k, 'window', tostring(window), 'recent', recent, 'active_at', NOW,
    'last_attempt_at', r.startedAt, 'last_error', last_error)
  hold_dest(dest, r.hold)
  redis.call('ZADD', K_DESTINATIONS, NOW, dest)
end

-- Quarantines dest; answers its event {'quarantined', streak, since}.
local function quarantine(dest)
  local k = key_dest(dest)
  local h = redis.call('HMGET', k, 'streak', 'streak_since')
  redis.call('HSET', k, 'quarantined_at', NOW, 'probe_at', NOW + FIRST_PROBE, 'probe_delay_ms', math.min(MAX_PROBE, FIRST_PROBE * 2))
  redis.call('ZREM', K_STREAKING, dest)
  redis.call('ZADD', K_QUARANTINED, NOW, dest)
  return {'quarantined', h[1], h[2]}
end

-- The destination's health after an attempt. Answers its event (or nil) and, when a counted
-- failure that would end the postback must leave it pending instead (quarantine), when to try it.
local function record_health(dest, r)
  local k = key_dest(dest)
  local h = redis.call('HMGET', k, 'streak', 'streak_since', 'quarantined_at', 'probe_delay_ms')
  local streak, since, quarantined, probe_delay = tonumber(h[1]) or 0, tonumber(h[2]), tonumber(h[3]), tonumber(h[4]) or 0
  if r.streak == 'ok' then
    if streak > 0 or quarantined then
      redis.call('HSET', k, 'streak', 0)
      redis.call('HDEL', k, 'streak_since', 'quarantined_at', 'probe_at', 'probe_delay_ms')
      redis.call('ZREM', K_STREAKING, dest)
      redis.call('ZREM', K_QUARANTINED, dest)
    end
    if not quarantined then return nil, nil end
    redis.call('HSET', k, 'active_since', NOW)
    if r.probe == '1' then return {'recovered', 'a probe succeeded'}, nil end
    return {'recovered', 'an attempt succeeded'}, nil
  end
  if r.streak == 'fail' then
    streak = streak + 1
    since = since or NOW
    redis.call('HSET', k, 'streak', streak, 'streak_since', since)
  end
  if quarantined then
    if r.probe == '1' then
      redis.call('HSET', k, 'probe_at', NOW + probe_delay, 'probe_delay_ms', math.min(MAX_PROBE, probe_delay * 2))
    end
    if r.kind == 'failed' and r.streak == 'fail' then return nil, tonumber(redis.call('HGET', k, 'probe_at')) or NOW end
    return nil, nil
  end
  if r.streak ~= 'fail' or streak < MIN_STREAK or QUARANTINE_AFTER == 0 then return nil, nil end
  if r.kind ~= 'failed' and NOW - since < QUARANTINE_AFTER then
    redis.call('ZADD', K_STREAKING, since, dest)
    return nil, nil
  end
  local event = quarantine(dest)
  if r.kind == 'failed' then return event, NOW + FIRST_PROBE end
  return event, nil
end
`
