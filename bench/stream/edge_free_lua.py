"""Free edge (bench only, issue #14): nginx serves a *free* listener's audio and charges each range to the
listener's ad clock itself, in an `access_by_lua` phase (Debian's libnginx-mod-http-lua + lua-nginx-redis),
with Encore's own charge script (`playback._charge.CHARGE`) and sign-out check (`accounts._epochs.ALIVE`):
their very text, taken from Encore's Python here, loaded into Redis and called by EVALSHA with the keys and
arguments Encore's `PlayTap.acharge` and `StreamCutoffs.alive` pass. No Python runs per range.

The URL is a Premium edge URL plus `&f=<user id>.<track>.<size>.<duration ms>.<generation>` (what the charge
needs), signed with it: secure_link's md5 covers "$expires$uri$f $secret", so a Premium edge URL (no `f`) has the
very md5 it has today, and `f` can be neither added, dropped nor edited. Per range, in one Redis round trip
(a pipeline): ALIVE (the URL's sign-out generation; the Python path keeps its answer until Redis reports a
cutoff write, nginx has no such watch so it asks each time) and CHARGE (gated, as the byte path gates a
response's first block). REFUSED -> 403 "stream URL refused: ad_break_due", a cutoff -> 403 "... signed_out",
Redis down -> 503 + Retry-After: 1 (as `web._stream_asgi`); WAIT (pacing) -> `ngx.sleep` and the charge asked
again ungated (as `_Counter.before`); a dirtied clock -> RPUSH adclock:dirty, as `PlayTap.acharge`. The
response is logged as Premium edge responses are (`EDGE_LOG_FORMAT`, plus `f`).

With `alive_keep_s` > 0, ALIVE's "still counts" answer is kept per node that long (bench only: the Python path
keeps it until Redis reports a cutoff write; nginx would need a watch of its own for that).

With `ping_only` (bench only), a range asks Redis a PING instead: what one round trip from Lua costs nginx.

With `lease_s` > 0 (a per-node lease, as bench/stream/lease_app.py): a range no fresh lease covers charges
[start, start + lease_s of audio) in one CHARGE; ranges inside a lease taken at most `fresh_s` ago ask Redis
nothing (neither CHARGE nor ALIVE: a sign-out then reaches such ranges within `fresh_s`). Leases live in a
`lua_shared_dict` (every worker of the node sees them).
"""

import base64
import hashlib
import re
from pathlib import Path

from encore.accounts._epochs import ALIVE
from encore.playback._charge import CHARGE, charge_args
from encore.playback._clockdoc import DIRTY, clock_key, spans_key
from encore.streaming import EDGE_LOG_FORMAT
from encore.web._byte_path import COUNTED_CHUNK

LUA_MODULE = "encore_free_edge"
FREE_LOG_FORMAT = EDGE_LOG_FORMAT[:-1] + ',"f":"$arg_f"}'
_MODULES = "/usr/share/nginx/modules"
_LUA_LIB = "/usr/share/lua/5.1"  # lua-nginx-redis (nginx/redis.lua) and lua-resty-core


def script_sha(text: str) -> str:
    """The SHA1 Redis names a script by (EVALSHA), as redis-py's `register_script` computes it."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _long_string(text: str) -> str:
    level = "=" * 4
    if f"]{level}]" in text:
        raise ValueError("script text holds the Lua long bracket used to quote it")
    return f"[{level}[\n{text}]{level}]"


def _lua_str(text: str) -> str:
    if any(c in text for c in '"\\\n'):
        raise ValueError(f"not a plain Lua string: {text!r}")
    return f'"{text}"'


def sign_free_edge_url(  # noqa: PLR0917 - the charge's coordinates, all signed
    secret: str, user: str, media_path: str, expires: int, user_id: int, track: str, size: int, duration_ms: int
) -> str:
    """A free edge URL: the Premium edge URL's md5, over `f` too (generation 0)."""
    uri = f"/edge/{user}/{media_path}"
    f = f"{user_id}.{track}.{size}.{duration_ms}.0"
    digest = hashlib.md5(f"{expires}{uri}{f} {secret}".encode(), usedforsecurity=False).digest()
    md5 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{uri}?md5={md5}&expires={expires}&f={f}"


_MARKS: dict[object, str] = {  # a sentinel for each coordinate of a range -> the Lua expression that holds it
    "\x01track": "track",
    "\x01rendition": "rendition",
    -11: "size",
    -12: "start",
    -13: "upto",
    -14: "LIMIT",
    -15: 'string.format("%.0f", ngx.now() * 1000000)',
    -16: "BURST",
    repr(-17.0): "SPEED",
}


def charge_argv() -> str:
    """CHARGE's arguments (after the TTLs) as Lua expressions, in the order `charge_args` itself gives them:
    Encore's Python stays the one owner of that order (and of its constants: MAX_SPANS, the unit)."""
    coords = ("\x01track", "\x01rendition", -11, -12, -13, -14)
    on = charge_args(*coords, gate=True, now_us=-15, pace=(-16, -17.0), unit="bytes")  # type: ignore[arg-type]
    off = charge_args(*coords, gate=False, now_us=-15, pace=(-16, -17.0), unit="bytes")  # type: ignore[arg-type]
    out = []
    for a, b in zip(on, off, strict=True):
        if a != b:
            out.append("gate")
        elif a in _MARKS:
            out.append(_MARKS[a])
        else:
            out.append(_lua_str(str(a)))  # a constant of charge_args
    return ", ".join(out)


def lua_module(
    *,
    redis_socket: Path,
    prefix: str,
    ttl_ms: int,
    limit_ms: int,
    pace: tuple[int, float] | None,
    lease_s: float,
    fresh_s: float = 2.0,
    alive_keep_s: float = 0.0,
    ping_only: bool = False,
) -> str:
    """The access phase's Lua, every constant from Encore's Python: the scripts' text and SHA, the keys' shapes
    (`clock_key`, `spans_key`, the cutoffs' keys, `DIRTY`), `charge_args`' order and constants."""
    burst_ms, speed = pace if pace is not None else (0, 0.0)
    clock = clock_key(0)[: -len("0")]
    spans = spans_key(0, "T")[: -len("0:T")]
    assert clock_key(7) == clock + "7" and spans_key(7, "T") == spans + "7:T"
    consts = {
        "CHARGE_SHA": _lua_str(script_sha(CHARGE.lua)),
        "ALIVE_SHA": _lua_str(script_sha(ALIVE.lua)),
        "SOCK": _lua_str(f"unix:{redis_socket}"),
        "CLOCK": _lua_str(prefix + clock),
        "SPANS": _lua_str(prefix + spans),
        "CUT": _lua_str(prefix + "signout:"),
        "EVERYONE": _lua_str(prefix + "signout:*"),
        "DIRTY": _lua_str(prefix + DIRTY),
        "TTL": _lua_str(str(ttl_ms)),
        "LIMIT": _lua_str(str(limit_ms)),
        "BURST": _lua_str(str(burst_ms)),
        "SPEED": _lua_str(repr(float(speed))),
        "BLOCK": str(COUNTED_CHUNK),
        "LEASE_S": repr(float(lease_s)),
        "FRESH_S": repr(float(fresh_s)),
        "ALIVE_KEEP_S": repr(float(alive_keep_s)),
        "PING_ONLY": "true" if ping_only else "false",
    }
    head = "\n".join(f"local {k} = {v}" for k, v in consts.items())
    scripts = f"local SCRIPTS = {{\n  [CHARGE_SHA] = {_long_string(CHARGE.lua)},\n  [ALIVE_SHA] = {_long_string(ALIVE.lua)},\n}}"
    return f"-- Generated by bench/stream/edge_free_lua.py from Encore's Python: do not edit.\n{head}\n{scripts}\n{_BODY.replace('%ARGV%', charge_argv())}"


_BODY = r"""
local redis = require "nginx.redis"
local leases = ngx.shared.encore_leases
local LEASES_PER_PLAY = 8
local M = {}

local function answer(status, text, retry)
  ngx.status = status
  ngx.header["Content-Type"] = "text/plain; charset=utf-8"
  if retry then ngx.header["Retry-After"] = "1" end
  ngx.print(text)
  return ngx.exit(status)
end

-- The range nginx is about to send (max_ranges 1: several ranges get the whole file, as Encore's parse_range).
-- If-Range is charged as the whole file: at most an over-charge, never free audio.
local function range_of(size)
  local h = ngx.var.http_range
  if h == nil or ngx.var.http_if_range ~= nil then return 0, size end
  local a, b = string.match(h, "^bytes=(%d+)%-(%d*)$")
  if a then
    if b == "" then return tonumber(a), size end
    return tonumber(a), math.min(size, tonumber(b) + 1)
  end
  local n = string.match(h, "^bytes=%-(%d+)$")
  if n then return math.max(0, size - tonumber(n)), size end
  return 0, size
end

-- EVALSHA each call in one pipeline; a script Redis does not hold (restarted, flushed) is loaded and the
-- pipeline sent again, once.
local function evalsha_all(r, calls)
  for _ = 1, 2 do
    r:init_pipeline(#calls)
    for _, c in ipairs(calls) do r:evalsha(unpack(c)) end
    local res, err = r:commit_pipeline()
    if not res then return nil, err end
    local missing = false
    for i, v in ipairs(res) do
      if type(v) == "table" and v[1] == false then
        if not string.find(v[2] or "", "NOSCRIPT", 1, true) then return nil, v[2] end
        local ok, e = r:script("load", SCRIPTS[calls[i][1]])
        if not ok then return nil, e end
        missing = true
      end
    end
    if not missing then return res end
  end
  return nil, "scripts could not be loaded"
end

local function leased(key, start, stop, now)
  local held = leases:get(key)
  if held == nil then return false end
  for s, e, at in string.gmatch(held, "(%d+),(%d+),([%d%.]+);") do
    if tonumber(s) <= start and stop <= tonumber(e) and tonumber(at) >= now - FRESH_S then return true end
  end
  return false
end

local function take(key, start, stop, now)
  local kept = {}
  for item in string.gmatch(leases:get(key) or "", "[^;]+;") do kept[#kept + 1] = item end
  kept[#kept + 1] = string.format("%d,%d,%.3f;", start, stop, now)
  while #kept > LEASES_PER_PLAY do table.remove(kept, 1) end
  leases:set(key, table.concat(kept), FRESH_S + 1)
end

function M.access()
  local f = ngx.var.arg_f
  if f == nil then return end  -- a Premium edge URL (its md5 has no f): nothing to charge
  local uid, track, size, duration, gen = string.match(f, "^(%d+)%.(%w+)%.(%d+)%.(%d+)%.(%d+)$")
  if uid == nil then return answer(403, "stream URL refused: malformed\n") end
  if ngx.req.get_method() ~= "GET" then return end  -- HEAD sends no audio: the byte path takes no tap
  size = tonumber(size)
  local start, stop = range_of(size)
  if start >= stop then return end  -- 416 or empty: nothing is sent
  local now = ngx.now()
  local key = uid .. "." .. track
  if LEASE_S > 0 and leased(key, start, stop, now) then return end
  local upto = stop
  if LEASE_S > 0 then  -- the lease: lease_s of audio from start, in whole blocks, never past the file
    local wanted = math.ceil(size * LEASE_S * 1000 / tonumber(duration))
    upto = math.min(size, math.max(stop, start + math.ceil(wanted / BLOCK) * BLOCK))
  end
  local r = redis:new()
  r:set_timeout(5000)  -- lua-nginx-redis 0.27 has no set_timeouts (an unknown method is sent as a command)
  local ok, err = r:connect(SOCK)
  if not ok then
    ngx.log(ngx.WARN, "free edge: shared state unavailable: ", err)
    return answer(503, "busy: try again in a moment\n", true)
  end
  if PING_ONLY then  -- bench only: the round trip's own cost, no script run
    r:ping()
    r:set_keepalive(60000, 256)
    return
  end
  local rendition = string.match(ngx.var.uri, "%.([a-z0-9]+)%.[a-z]+$")
  local function charge(gate)
    -- KEYS as PlayTap's, ARGV as RedisState.arun sends them: a TTL per key, then charge_args' own order
    return { CHARGE_SHA, 2, CLOCK .. uid, SPANS .. uid .. ":" .. track, TTL, TTL, %ARGV% }
  end
  local user = string.match(ngx.var.uri, "^/edge/(%w+)/")
  local alive_key = "alive." .. user .. "." .. gen
  local calls = { { ALIVE_SHA, 2, CUT .. user, EVERYONE, "0", "0", gen }, charge("1") }
  if ALIVE_KEEP_S > 0 and leases:get(alive_key) then calls = { calls[2] } end
  local asked_alive = #calls == 2
  local reply
  while true do
    local res, e = evalsha_all(r, calls)
    if not res then
      ngx.log(ngx.WARN, "free edge: shared state unavailable: ", e)
      return answer(503, "busy: try again in a moment\n", true)
    end
    if #calls == 2 and res[1][1] == 0 then
      r:set_keepalive(60000, 256)
      return answer(403, "stream URL refused: signed_out\n")
    end
    if asked_alive and ALIVE_KEEP_S > 0 then leases:set(alive_key, true, ALIVE_KEEP_S) end
    asked_alive = false
    reply = res[#res]
    if reply[1] ~= 4 then break end
    ngx.sleep(reply[2] / 1000)  -- paced: nothing charged; asked again, ungated, once the wait is over
    calls = { charge("0") }
  end
  local status = reply[1]
  if status == 0 then
    r:set_keepalive(60000, 256)
    return answer(403, "stream URL refused: ad_break_due\n")
  end
  if (status == 1 or status == 2) and reply[2] == 1 then r:rpush(DIRTY, uid) end
  r:set_keepalive(60000, 256)
  if LEASE_S > 0 then
    if status == 1 then take(key, start, upto, now) else leases:delete(key) end
  end
end

return M
"""


def free_edge_config(premium: str, *, prefix_dir: Path, lua: str) -> str:
    """nginx.conf of a free edge node, made from Encore's own Premium edge config (`render_nginx_config`'s text,
    so everything else stays that config's): the Lua module loaded, `f` inside the md5, `max_ranges 1` and the
    access phase (`lua`, written beside the config as encore_free_edge.lua). Each edit must find its line once."""
    (prefix_dir / f"{LUA_MODULE}.lua").write_text(lua)
    lua_path = f"{prefix_dir}/?.lua;{_LUA_LIB}/?.lua;;"
    edits = [
        (
            "worker_processes ",
            f"load_module {_MODULES}/ndk_http_module.so;\nload_module {_MODULES}/ngx_http_lua_module.so;\n"
            "worker_processes ",
            True,
        ),
        (EDGE_LOG_FORMAT, FREE_LOG_FORMAT, False),
        (
            "    sendfile on;",
            f'    lua_package_path "{lua_path}";\n    lua_shared_dict encore_leases 32m;\n'
            f'    init_by_lua_block {{ require "{LUA_MODULE}" }}\n    sendfile on;',
            False,
        ),
        (
            '"$secure_link_expires$uri $encore_edge_secret"',
            '"$secure_link_expires$uri$arg_f $encore_edge_secret"',
            False,
        ),
        (
            'if ($secure_link = "0") { return 403; }\n',
            'if ($secure_link = "0") { return 403; }\n            max_ranges 1;\n'
            f'            access_by_lua_block {{ require("{LUA_MODULE}").access() }}\n',
            False,
        ),
    ]
    conf = premium
    for old, new, at_line_start in edits:
        found = len(re.findall(("^" if at_line_start else "") + re.escape(old), conf, flags=re.MULTILINE))
        if found != 1:
            raise ValueError(f"the Premium edge config has {found} of {old!r}, not one")
        conf = re.sub(
            ("^" if at_line_start else "") + re.escape(old), lambda _m, new=new: new, conf, flags=re.MULTILINE
        )
    return conf
