-- quota-service: the limits of a batch of checks, each check decided atomically on its own, in order, in one
-- round trip. Per check: GCRA (virtual scheduling) per rate limit + a per-period counter for the check's meter; a
-- denied check writes nothing. Times are integer microseconds passed by the caller (same arithmetic as
-- dev.apimon.quota.limits.domain.Gcra). The checks of one batch are the ones that arrived on one event loop in
-- the same turn (TurnBatcher): one EVALSHA for all of them saves Redis a command, a read and a write per check.
--
-- ARGV: 1 number of checks, then each check's arguments; KEYS: each check's keys (below), one check after the other,
-- then the pending-alerts set.
-- Per check, KEYS: rate TAT keys (nr) .. [quota counter] .. [request-id marker] .. [alert markers: hash, fields 80:limit/100:limit]
--            ARGV: 1 now_us, 2 cost, 3 nr, 4 has_quota, 5 has_idem, 6 idem_ttl_ms,
--                  then per rate limit: emission_us, capacity_us,
--                  then if has_quota: limit, hard, ttl_ms (counter and markers), units_80, units_100
-- Returns per check {allowed, duplicate, alert80_fired, alert100_fired, quota_used, tat_minus_now_1 .. _nr}, or
-- the error message (a string) of a check that failed; the other checks are unaffected.
-- The last KEY is the set of alerts fired but not yet acknowledged by Kafka (member "marker|threshold|used|limit",
-- score = Redis time in ms): added in the same script that sets the once-per-period marker, removed by the service
-- once Kafka has the alert, re-sent by its sweeper if still there later - so a crash between this script and Kafka
-- loses no alert.
local PENDING = KEYS[#KEYS]

local function pending(akey, threshold, used, limit)
  local t = redis.call('TIME')
  redis.call('ZADD', PENDING, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000),
    akey .. '|' .. threshold .. '|' .. string.format('%.0f', used) .. '|' .. string.format('%.0f', limit))
end

-- decide(kb, ab): the check whose keys are KEYS[kb + 1 ..] and arguments ARGV[ab + 1 ..]
local function decide(kb, ab)
  local now = tonumber(ARGV[ab + 1])
  local cost = tonumber(ARGV[ab + 2])
  local nr = tonumber(ARGV[ab + 3])
  local has_quota = ARGV[ab + 4] == '1'
  local has_idem = ARGV[ab + 5] == '1'

  local k = nr + 1
  local qkey, ikey, akey
  if has_quota then qkey = KEYS[kb + k]; k = k + 1 end
  if has_idem then ikey = KEYS[kb + k]; k = k + 1 end
  if has_quota then akey = KEYS[kb + k] end

  -- a retried request id that was already counted consumes nothing again
  local dup = 0
  if has_idem and redis.call('EXISTS', ikey) == 1 then
    dup = 1
    cost = 0
  end

  local allowed = 1
  local base = {}
  local nxt = {}
  local a = 7
  for i = 1, nr do
    local em = tonumber(ARGV[ab + a])
    local cap = tonumber(ARGV[ab + a + 1])
    a = a + 2
    local tat = tonumber(redis.call('GET', KEYS[kb + i]) or '0')
    if tat < now then tat = now end
    base[i] = tat
    nxt[i] = tat + em * cost
    if nxt[i] - now > cap then allowed = 0 end
  end

  local used = 0
  local limit = 0
  if has_quota then
    limit = tonumber(ARGV[ab + a])
    if allowed == 1 and cost > 0 then
      -- count first and take it back if the hard quota denies: an allowed check (the common case) costs one
      -- command here instead of a GET and an INCRBY
      used = redis.call('INCRBY', qkey, cost)
      if ARGV[ab + a + 1] == '1' and used > limit then
        -- a denied check leaves the counter as it was; one this INCRBY created (no expiry yet) is deleted
        if used == cost then redis.call('DEL', qkey) else redis.call('DECRBY', qkey, cost) end
        used = used - cost
        allowed = 0
      end
    else
      used = tonumber(redis.call('GET', qkey) or '0')
    end
  end

  local fired80 = 0
  local fired100 = 0
  if allowed == 1 and cost > 0 then
    for i = 1, nr do
      -- the key may vanish once TAT has passed: an absent key means "fully recovered"
      redis.call('SET', KEYS[kb + i], string.format('%.0f', nxt[i]), 'PX', math.floor((nxt[i] - now) / 1000) + 1000)
      base[i] = nxt[i]
    end
    if has_quota then
      local before = used - cost -- counted above
      -- the expiry is absolute (period end + grace): setting it when the period's counter is created is enough
      if before == 0 then
        redis.call('PEXPIRE', qkey, ARGV[ab + a + 2])
      end
    end
    if has_idem then
      redis.call('SET', ikey, '1', 'PX', ARGV[ab + 6])
    end
  end
  if has_quota and limit > 0 then
    local t80 = tonumber(ARGV[ab + a + 3])
    local t100 = tonumber(ARGV[ab + a + 4])
    -- each marker field is set once per period and limit, so each threshold of a limit alerts once (a plan change
    -- to another limit mid-period alerts again for the new one). A field the service cleared or a limit lowered
    -- below the usage fires on the next check, allowed or not: at a hard quota's limit every later check is
    -- denied, and the 100% alert must still go out
    if used >= t80 and redis.call('HSETNX', akey, '80:' .. ARGV[ab + a], used) == 1 then
      fired80 = 1
      redis.call('PEXPIRE', akey, ARGV[ab + a + 2])
      pending(akey, 80, used, limit)
    end
    if used >= t100 and redis.call('HSETNX', akey, '100:' .. ARGV[ab + a], used) == 1 then
      fired100 = 1
      redis.call('PEXPIRE', akey, ARGV[ab + a + 2])
      pending(akey, 100, used, limit)
    end
  end

  local out = {allowed, dup, fired80, fired100, used}
  for i = 1, nr do
    out[5 + i] = base[i] - now
  end
  return out
end

local n = tonumber(ARGV[1])
local results = {}
local kb = 0
local ab = 1
for c = 1, n do
  -- decide() reads this check's keys and arguments in place (no per-check tables)
  local ok, res = pcall(decide, kb, ab)
  if ok then
    results[c] = res
  else
    results[c] = type(res) == 'table' and (res.err or 'ERR') or tostring(res)
  end
  local nr = tonumber(ARGV[ab + 3])
  local q = ARGV[ab + 4] == '1'
  kb = kb + nr + (q and 2 or 0) + (ARGV[ab + 5] == '1' and 1 or 0)
  ab = ab + 6 + 2 * nr + (q and 5 or 0)
end
return results
