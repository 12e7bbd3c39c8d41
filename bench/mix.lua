-- wrk script: replay a pre-generated request list (bench/workload.py) so every configuration gets the same mix.
-- wrk -t1 -c8 -d20s --latency -s bench/mix.lua http://127.0.0.1:PORT -- <list file> <once 0|1> <cookie>
-- Lines are "<path>\t<1 if logged in>[\t<ETag>]"; logged-in requests carry the session cookie, an ETag column
-- becomes If-None-Match (the 304 round). With once=1 the thread stops after one pass (wrk itself still waits
-- out -d); otherwise it wraps around. done() prints one JSON line for run.py.
local reqs, n, i, once = {}, 0, 0, false

function init(args)
  local file, cookie = args[1], args[3]
  once = args[2] == "1"
  for line in io.lines(file) do
    local path, auth, etag = line:match("^(.-)\t(%d)\t?(.*)$")
    local headers = {}
    if auth == "1" then headers["Cookie"] = cookie end
    if etag ~= "" then headers["If-None-Match"] = etag end
    n = n + 1
    reqs[n] = wrk.format("GET", path, headers)
  end
end

function request()
  i = i + 1
  if i > n then
    if once then wrk.thread:stop() end
    i = 1
  end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
