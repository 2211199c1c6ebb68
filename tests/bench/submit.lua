-- wrk script: POSTs a new swap intent on every request. Bodies differ per
-- thread and request (user account, amount); ids are left to the server.
-- Counts responses by status and prints them when the run ends.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  codes = {}
  wrk.method = "POST"
  wrk.path = "/api/v1/intents"
  wrk.headers["Content-Type"] = "application/json"
end

local pairs_ = {
  {"usdc.near", "usdt.near", "9"},
  {"usdt.near", "wrap.near", "1"},
  {"wrap.near", "usdc.near", "40"},
}

function request()
  n = n + 1
  local p = pairs_[(n % 3) + 1]
  local body = string.format(
    '{"user_account":"bench-%d-%d.near","action":"swap","input_token":"%s",' ..
    '"input_amount":"10.%06d","output_token":"%s","min_output_amount":"%s"}',
    tid, n % 1000, p[1], n % 1000000, p[2], p[3])
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. ": " .. v) end
  table.sort(parts)
  io.write("status codes: ", table.concat(parts, ", "), "\n")
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
