-- ListenBrainz `single` submissions, each a new listen (its own second), with the user tokens in WRK_TOKEN
-- (comma-separated: request i uses token i mod n, so a writer's batch holds many listeners).
-- WRK_PATH "/bench/const" turns it into the framework's floor (a constant-JSON GET) for the same run.
local tokens = {}
for t in string.gmatch(os.getenv("WRK_TOKEN"), "[^,]+") do tokens[#tokens + 1] = t end
local path = os.getenv("WRK_PATH") or "/1/submit-listens"
local base = tonumber(os.getenv("WRK_BASE_TS"))
local counter = 0

function request()
  counter = counter + 1
  if path ~= "/1/submit-listens" then return wrk.format("GET", path) end
  local body = string.format(
    '{"listen_type":"single","payload":[{"listened_at":%d,"track_metadata":{"artist_name":"Bench Artist %d","track_name":"Song %d"}}]}',
    base + counter, counter % 97, counter)
  local token = tokens[counter % #tokens + 1]
  return wrk.format("POST", path, {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT p50=%.2f p99=%.2f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
