"""One block's charge to a free listener's ad clock, as one atomic move on the shared state (`CHARGE`).

The move merges the block into the play's spans (`_served.add_span`), charges the clock what those spans could
hold (`_served.heard_ms`, `_clockdoc.charge_doc`) and answers whether the play may send more, refusing first
when asked to gate (an owed ad stops every play but the last two). It is written twice, side by side: `_step`
is the rule in Python (the in-memory state runs it) and `_LUA` the same rule for Redis, where a block is one
EVALSHA and this process decodes no document. `tests/playback/test_charge_script.py` runs both on the same
cases and compares every reply and every stored document.

The Lua writes the documents itself: integers with `%d` (cjson would print a µs timestamp in 14 digits) and the
open plays in the order the stored text has them (oldest first: a Lua table forgets it; the plays are arrays of
integers keyed by public ids, so the keys are read back from the text in order).
"""

from collections.abc import Sequence

from encore.playback._clockdoc import charge_doc
from encore.playback._served import MAX_SPANS, SPANS_LUA, Spans, add_span, heard_ms
from encore.state import Doc, Script

# What the move answers (a list of integers): its first item is one of these
REFUSED = 0  # gated: an owed ad stops this play; nothing was charged
MORE = 1  # charged; the play may send more
STOP = 2  # charged; the play may send no more now (an ad is owed and it is not one of the last two)
NO_PLAY = 3  # no open play (Premium now, or the state was emptied): nothing to charge
# then, after MORE or STOP: whether the clock just became dirty (0/1), the play's audio charged (ms), its URL's
# issue (µs) and its length (ms)

_LUA = (
    SPANS_LUA
    + """
local function ints(t)
  local o = {}
  for i = 1, #t do o[i] = int(t[i]) end
  return '[' .. table.concat(o, ',') .. ']'
end
local function str(v)
  if v == nil or v == cjson.null then return 'null' end
  return cjson.encode(v)
end

local raw = redis.call('GET', KEYS[1])
if not raw then return {3} end
local doc = cjson.decode(raw)
local track = ARGV[3]
local play = doc.p[track]
if not play then return {3} end
local limit = tonumber(ARGV[8])
local function may_send()
  return track == doc.l or track == doc.b or doc.s[1] < limit
end
if ARGV[9] == '1' and not may_send() then return {0} end

local rendition, size = ARGV[4], tonumber(ARGV[5])
local sent = redis.call('GET', KEYS[2])
local r = {}
if sent then
  local found = cjson.decode(sent)
  if found.at == play[3] then r = found.r end  -- a newer play of the track starts over
end
local spans = {}
local known = r[rendition]
if known and known[1] == size then spans = known[2] end  -- a replaced file starts over
local start, stop = math.max(0, tonumber(ARGV[6])), math.min(size, tonumber(ARGV[7]))
r[rendition] = {size, add_span(spans, start, stop, tonumber(ARGV[10]), false)}

-- _clockdoc.charge_doc
local dirtied, delta = 0, heard_ms(r, play[2]) - play[4]
if delta > 0 then
  play[4] = play[4] + delta
  doc.s[1] = doc.s[1] + delta
  if track == doc.l then doc.s[6] = doc.s[6] + delta end
  if not doc.d then dirtied = 1 end
  doc.d = true
  doc.v = (doc.v or 0) + 1
end

local spans_text = '{"at":' .. int(play[3]) .. ',"r":' .. renditions_text(r) .. '}'
if delta > 0 or spans_text ~= sent then
  local text = raw
  if delta > 0 then
    local plays = {}
    for k in string.gmatch(string.match(raw, '"p":(%b{})'), '"([^"]+)":%[') do
      plays[#plays + 1] = cjson.encode(k) .. ':' .. ints(doc.p[k])
    end
    text = '{"s":' .. ints(doc.s) .. ',"p":{' .. table.concat(plays, ',') .. '},"l":' .. str(doc.l) ..
      ',"b":' .. str(doc.b) .. ',"d":' .. (doc.d and 'true' or 'false') .. ',"v":' .. int(doc.v or 0) .. '}'
  end
  put(KEYS[1], text, ARGV[1])
  put(KEYS[2], spans_text, ARGV[2])
end
local status = 2
if may_send() then status = 1 end
return {status, dirtied, play[4], play[3], play[2]}
"""
)


def may_send(raw: Doc | None, track: str, limit_ms: int) -> bool:
    """`ClockDoc.allowed` on the stored document, without parsing its plays."""
    return raw is None or track in (raw.get("l"), raw.get("b")) or raw["s"][0] < limit_ms


def _step(docs: list[Doc | None], args: Sequence[str | int]) -> tuple[list[Doc | None], list[int]]:
    track, rendition = str(args[0]), str(args[1])
    size, start, end, limit_ms, gate = (int(a) for a in args[2:7])
    raw, sent = docs
    if raw is None or track not in raw["p"]:
        return docs, [NO_PLAY]
    if gate and not may_send(raw, track, limit_ms):
        return docs, [REFUSED]
    play = raw["p"][track]
    renditions: dict[str, tuple[int, Spans]] = {}
    if sent is not None and sent["at"] == play[2]:  # a newer play of the track starts over
        renditions = {k: (v[0], tuple((s, e) for s, e in v[1])) for k, v in sent["r"].items()}
    known = renditions.get(rendition)
    spans = known[1] if known is not None and known[0] == size else ()  # a replaced file starts over
    renditions[rendition] = (size, add_span(spans, max(0, start), min(size, end)))
    dirtied = charge_doc(raw, track, heard_ms(renditions, play[1]))
    spans_doc = {"at": play[2], "r": {k: [v[0], [list(x) for x in v[1]]] for k, v in sorted(renditions.items())}}
    status = MORE if may_send(raw, track, limit_ms) else STOP
    return [raw, spans_doc], [status, int(dirtied), play[3], play[2], play[1]]


CHARGE = Script("playback.charge", _LUA, _step)


def charge_args(  # noqa: PLR0917 - one block's coordinates
    track: str, rendition: str, size: int, start: int, end: int, limit_ms: int, *, gate: bool
) -> list[str | int]:
    """`CHARGE`'s arguments (after the TTLs), as both forms read them."""
    return [track, rendition, size, start, end, limit_ms, int(gate), MAX_SPANS]
