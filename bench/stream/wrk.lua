-- One GET per request over a list of signed paths; with BENCH_SPAN > 0, a Range of that many bytes.
-- BENCH_PATTERN "random" (the default): each range at a random offset of a random path (every range a seek).
-- "sequential": BENCH_STREAMS players (default 200) each read a path front to back in BENCH_SPAN ranges, taken
-- in turn (request k is player k mod BENCH_STREAMS's next range), then start a random path at its first byte;
-- each player starts at a random block of its first path, so they are not in step.
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do paths[#paths + 1] = line end
local size = tonumber(os.getenv("BENCH_SIZE"))
local span = tonumber(os.getenv("BENCH_SPAN"))
local sequential = os.getenv("BENCH_PATTERN") == "sequential"
local players, turn = {}, 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  if sequential and span > 0 then
    for i = 1, tonumber(os.getenv("BENCH_STREAMS") or "200") do
      players[i] = { path = paths[math.random(#paths)], at = span * math.random(0, math.floor(size / span) - 1) }
    end
  end
end

function request()
  if span > 0 and sequential then
    turn = turn % #players + 1
    local p = players[turn]
    if p.at >= size then p.path, p.at = paths[math.random(#paths)], 0 end
    local start = p.at
    local stop = math.min(size, start + span)
    p.at = stop
    return wrk.format("GET", p.path, { ["Range"] = "bytes=" .. start .. "-" .. (stop - 1) })
  end
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
