-- wrk script: replays the seeded request mix (one "key<TAB>operation" per line) as POST /v1/checks bodies.
-- usage: wrk ... -s checks.lua URL -- /v1/checks requests.tsv
local requests = {}
local i = 0

function init(args)
  local path = args[1] or "/v1/checks"
  for line in io.lines(args[2]) do
    local key, op = line:match("^([^\t]+)\t(.+)$")
    local body = '{"key":"' .. key .. '","operation":"' .. op .. '","cost":1,"meter":"api_calls"}'
    requests[#requests + 1] = wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
  end
  i = math.random(#requests)
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
