-- wrk script: GET /api/v1/intents/{id} over ids picked at random from a file
-- (one id a line), given after `--`:  wrk ... -s read_ids.lua URL -- ids.txt
-- wrk itself counts the responses that are not 2xx or 3xx ("Non-2xx or 3xx
-- responses"); with no response() callback here it need not hand each
-- response to Lua, which keeps the client's share of the CPU small.

local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

-- Requests are formatted once, here, so that the client spends its CPU on
-- sending them rather than on building them.
function init(args)
  reqs = {}
  for line in io.lines(args[1]) do
    reqs[#reqs + 1] = wrk.format("GET", "/api/v1/intents/" .. line)
  end
  if #reqs == 0 then error("no ids in " .. tostring(args[1])) end
  math.randomseed(1234 + tid)
end

function request()
  return reqs[math.random(#reqs)]
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
