-- One GET per request over a list of signed paths; with BENCH_SPAN > 0, a random Range of that many bytes.
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do paths[#paths + 1] = line end
local size = tonumber(os.getenv("BENCH_SIZE"))
local span = tonumber(os.getenv("BENCH_SPAN"))

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local path = paths[math.random(#paths)]
  if span > 0 then
    local start = math.random(0, size - span)
    return wrk.format("GET", path, { ["Range"] = "bytes=" .. start .. "-" .. (start + span - 1) })
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
