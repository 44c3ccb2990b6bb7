-- Requests cycle through a list of paths (one per line in WRK_PATHS) with a bearer token (WRK_TOKEN).
local paths = {}
local token = os.getenv("WRK_TOKEN")
local counter = 0

function init(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do
    paths[#paths + 1] = line
  end
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT p50=%.2f p90=%.2f p99=%.2f max=%.2f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status))
end
