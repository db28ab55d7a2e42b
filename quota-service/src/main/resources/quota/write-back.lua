-- quota-service: adds to a quota counter what one replica allowed locally while Redis was unavailable (fail-open
-- policy), so the period's count includes what was served during the outage.
-- KEYS: 1 quota counter, 2 this write-back's marker (same hash tag). ARGV: 1 units, 2 counter ttl_ms, 3 marker ttl_ms.
-- The units are added only together with the marker: a write-back resent because its answer was lost (the service
-- cannot tell whether it ran) adds nothing again. Returns the counter after it.
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  local used = redis.call('INCRBY', KEYS[1], ARGV[1])
  -- a counter this created (Redis restarted, or no check reached it yet) gets the expiry limits.lua gives it
  if redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  return used
end
return tonumber(redis.call('GET', KEYS[1]) or '0')
