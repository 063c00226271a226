-- wrk script for POST /v1/responses (bench/run.py drives it).
--
--   wrk ... -s bench/ingest.lua URL -- MODE TOKEN NONCE
--
-- MODE "plain": the same JSON body on every request, no Idempotency-Key.
-- MODE "key":   every request carries a unique Idempotency-Key header
--               (NONCE-thread-counter), as POS and kiosk traffic does.
-- TOKEN goes in "Authorization: Bearer TOKEN" (the bare endpoint ignores it).
-- done() prints one line "BENCH_RESULT {json}" with the summary, latency
-- percentiles in microseconds, and the count of each HTTP status.

local body = '{"metric":"nps","score":9,"survey":"post-purchase","touchpoint":"checkout",'
  .. '"channel":"pos","location":"store-12","properties":{"plan":"gold"}}'

local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "plain"
  token = args[2] or "none"
  nonce = args[3] or "0"
  counter = 0
  statuses = {}
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  if mode == "plain" then
    fixed = wrk.format()
  end
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = nonce .. "-" .. id .. "-" .. counter
  return wrk.format()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},'
      .. '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    table.concat(parts, ",")))
end
