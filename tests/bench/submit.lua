-- wrk script: POSTs a new swap intent on every request; ids are left to the
-- server, so every answer 202 is a new intent. Each thread formats a ring of
-- RING requests once, in init (distinct user accounts and amounts), and
-- sends them in turn: no Lua work per request beyond picking the next one,
-- and no response() callback, so that wrk takes as little of the shared CPU
-- as it can. wrk itself counts the answers that are not 2xx or 3xx.

local RING = 20000
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local pairs_ = {
  {"usdc.near", "usdt.near", "9"},
  {"usdt.near", "wrap.near", "1"},
  {"wrap.near", "usdc.near", "40"},
}

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/intents"
  wrk.headers["Content-Type"] = "application/json"
  reqs = {}
  for n = 1, RING do
    local p = pairs_[(n % 3) + 1]
    local body = string.format(
      '{"user_account":"bench-%d-%d.near","action":"swap","input_token":"%s",' ..
      '"input_amount":"10.%06d","output_token":"%s","min_output_amount":"%s"}',
      tid, n % 1000, p[1], n, p[2], p[3])
    reqs[n] = wrk.format(nil, nil, nil, body)
  end
  n = 0
end

function request()
  n = n % RING + 1
  return reqs[n]
end

function done(summary, latency, requests)
  local bad = summary.errors.status
  io.write(string.format("status codes: 2xx: %d, other: %d\n",
    summary.requests - bad, bad))
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
