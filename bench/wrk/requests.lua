-- wrk script for every benchmark path: cycles through prepared requests, one per line of
-- the file named as the first argument (method, path, headers, body; tab-separated,
-- headers as "Name: value" joined by "|"). A POST thus comes from a fresh person each
-- time: every line carries another member's session cookie.
-- The second argument is the number of wrk threads; each thread takes every n-th line,
-- so no two threads send the same line. done() prints the figures as one JSON line.

local prepared = {}
local index = 0
local stride = 1
local threads_started = 0

function setup(thread)
  thread:set("offset", threads_started)
  threads_started = threads_started + 1
end

local function parse_headers(text)
  local headers = {}
  for pair in text:gmatch("[^|]+") do
    local name, value = pair:match("^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  return headers
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      if body == "" then
        body = nil
      end
      prepared[#prepared + 1] = wrk.format(method, path, parse_headers(headers), body)
    end
  end
  file:close()
  stride = tonumber(args[2] or "1")
  index = offset or 0
end

function request()
  local next_request = prepared[(index % #prepared) + 1]
  index = index + stride
  return next_request
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
