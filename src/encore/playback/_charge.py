"""One block's charge to a free listener's ad clock, as one atomic move on the shared state (`CHARGE`).

The move merges the block into the play's spans (`_served.add_span`), charges the clock what those spans could
hold (`_served.heard_ms`, `_clockdoc.charge_doc`) and answers whether the play may send more, refusing first
when asked to gate (an owed ad stops every play but the last two). Asked to pace, it charges the block only
once the free tier's pacing lets the play have it (`_served.pace_decision`, from the URL or from the play's
latest seek, `_served.seek_check`, which the move records), and otherwise answers how long to wait, charging
nothing: what a play was charged is what was sent or about to be, never a block held for a client that has
gone, and a request that starts where nothing was sent yet is seen as the seek it is. It is written twice,
side by side: `_step` is the rule in Python (the in-memory state runs it) and `_LUA` the same rule for Redis,
where a block is one EVALSHA and this process decodes no document. `tests/playback/test_charge_script.py` runs
both on the same cases and compares every reply and every stored document.

The Lua writes integers with `%d` (cjson prints a µs timestamp in 14 digits: 1.7960000001235e+15) and edits the
clock document as text, so its open plays keep their order (oldest first; a Lua table would forget it).
"""

from collections.abc import Sequence

from encore.playback._clockdoc import charge_doc
from encore.playback._served import (
    MAX_SPANS,
    SEEK_LUA,
    SPANS_LUA,
    Spans,
    Unit,
    add_span,
    heard_ms,
    pace_decision,
    seek_check,
)
from encore.state import Doc, Script

# What the move answers (a list of integers): its first item is one of these
REFUSED = 0  # gated: an owed ad stops this play; nothing was charged
MORE = 1  # charged; the play may send more
STOP = 2  # charged; the play may send no more now (an ad is owed and it is not one of the last two)
NO_PLAY = 3  # no open play (Premium now, or the state was emptied): nothing to charge
WAIT = 4  # paced: nothing was charged; ask again after the wait (ms) that follows
# then, after MORE or STOP: whether the clock just became dirty (0/1), the play's audio charged (ms), its URL's
# issue (µs), its length (ms), its latest seek (the audio charged before it, ms, and when, µs; -1, -1 for
# none: `_served.seek_check`). The play's spans document keeps that seek as [charged before, µs, its start].
NO_SEEK = -1

_LUA = (
    SPANS_LUA
    + SEEK_LUA
    + """
-- The clock document is read and edited as text, never decoded: it is written compactly in one key order
-- ({"s":[...],"p":{"<track>":[id,length,issued,charged],...},"l":..,"b":..,"d":..,"v":..}, by orjson or
-- here), and a block touches only the play's array, the clock's numbers and the dirty mark. Decoding and
-- re-encoding a listener's 64 open plays cost Redis ~0.5 ms per block.
local raw = redis.call('GET', KEYS[1])
if not raw then return {3} end
local track = ARGV[3]
local key = '"' .. track .. '":['
local found = string.find(raw, key, 1, true)  -- only a play's key is followed by ':['
if not found then return {3} end
local a0 = found + #key
local a1 = string.find(raw, ']', a0, true)
local play = {}
for x in string.gmatch(string.sub(raw, a0, a1 - 1), '[^,]+') do play[#play + 1] = tonumber(x) end
local s1 = string.find(raw, ']', 7, true)  -- raw starts with {"s":[
local s = {}
for x in string.gmatch(string.sub(raw, 7, s1 - 1), '[^,]+') do s[#s + 1] = x end
-- The clock's tail ("l", "b", "d", "v") follows the plays: one plain search finds it (no key inside "p" is
-- "l"), and the patterns run from there. An unanchored pattern over the whole document tries a match at each
-- of its bytes: three of them cost ~65 us of redis-server CPU per block for a listener with 64 open plays.
local tail = string.find(raw, ',"l":', a1, true)
local l, b = string.match(raw, '^,"l":"([^"]*)"', tail), string.match(raw, ',"b":"([^"]*)"', tail)
local t0, _, dirty, version = string.find(raw, ',"d":(%a+),"v":(%d+)}$', tail)
local limit = tonumber(ARGV[8])
local listened = tonumber(s[1])
local function may_send()
  return track == l or track == b or listened < limit
end
if ARGV[9] == '1' and not may_send() then return {0} end

local rendition, size = ARGV[4], tonumber(ARGV[5])
local sent = redis.call('GET', KEYS[2])
local r, k = {}, nil
if sent then
  local doc = cjson.decode(sent)
  if doc.at == play[3] then r, k = doc.r, doc.k end  -- a newer play of the track starts over
end
local spans = {}
local known = r[rendition]
if known and known[1] == size then spans = known[2] end  -- a replaced file starts over
local start, stop = math.max(0, tonumber(ARGV[6])), math.min(size, tonumber(ARGV[7]))
local now, burst, speed = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local stamped = false
if is_seek(spans, start, size, ARGV[14] == '1') and not (k and k[3] == start and k[1] == play[4]) then
  k = {play[4], now, start}  -- a fresh burst from here (the same seek asked again keeps its date)
  stamped = true
end
r[rendition] = {size, add_span(spans, start, stop, tonumber(ARGV[10]), false)}
local heard = heard_ms(r, play[2])

local function spans_doc()
  local text = '{"at":' .. int(play[3]) .. ',"r":' .. renditions_text(r)
  if k then
    text = text .. ',"k":[' .. int(k[1]) .. ',' .. int(k[2])
    if k[3] then text = text .. ',' .. int(k[3]) end
    text = text .. ']'
  end
  return text .. '}'
end

-- _served.pace_decision: a block the pacing does not allow yet is not charged
if speed > 0 and heard > play[4] then
  local allowance = burst + speed * math.max(0, now - play[3]) / 1000
  if k then
    local from_seek = k[1] + burst + speed * math.max(0, now - k[2]) / 1000
    if from_seek > allowance then allowance = from_seek end
  end
  if heard > allowance then
    if stamped then  -- the seek is kept while its block waits, so the retry paces from this burst
      r[rendition] = {size, spans}
      put(KEYS[2], spans_doc(), ARGV[2])
    end
    return {4, math.ceil((heard - allowance) / speed)}
  end
end

-- _clockdoc.charge_doc, on the text
local dirtied, delta = 0, heard - play[4]
local spans_text = spans_doc()
if delta > 0 or spans_text ~= sent then
  local text = raw
  if delta > 0 then
    play[4] = play[4] + delta
    listened = listened + delta
    s[1] = int(listened)
    if track == l then s[6] = int(tonumber(s[6]) + delta) end
    if dirty ~= 'true' then dirtied = 1 end
    text = '{"s":[' .. table.concat(s, ',') .. string.sub(raw, s1, a0 - 1) .. int(play[1]) .. ',' ..
      int(play[2]) .. ',' .. int(play[3]) .. ',' .. int(play[4]) .. string.sub(raw, a1, t0 - 1) ..
      ',"d":true,"v":' .. int(tonumber(version) + 1) .. '}'
  end
  put(KEYS[1], text, ARGV[1])
  put(KEYS[2], spans_text, ARGV[2])
end
local status = 2
if may_send() then status = 1 end
if not k then k = {-1, -1} end
return {status, dirtied, play[4], play[3], play[2], k[1], k[2]}
"""
)


def may_send(raw: Doc | None, track: str, limit_ms: int) -> bool:
    """`ClockDoc.allowed` on the stored document, without parsing its plays."""
    return raw is None or track in (raw.get("l"), raw.get("b")) or raw["s"][0] < limit_ms


def _spans_doc(issued_us: int, renditions: dict[str, tuple[int, Spans]], seek: list[int] | None) -> Doc:
    doc: Doc = {"at": issued_us, "r": {k: [v[0], [list(x) for x in v[1]]] for k, v in sorted(renditions.items())}}
    if seek is not None:
        doc["k"] = list(seek)
    return doc


def _step(docs: list[Doc | None], args: Sequence[str | int]) -> tuple[list[Doc | None], list[int]]:
    track, rendition = str(args[0]), str(args[1])
    size, start, end, limit_ms, gate = (int(a) for a in args[2:7])
    now_us, burst_ms, speed, unit = int(args[8]), int(args[9]), float(args[10]), str(args[11])
    raw, sent = docs
    if raw is None or track not in raw["p"]:
        return docs, [NO_PLAY]
    if gate and not may_send(raw, track, limit_ms):
        return docs, [REFUSED]
    play = raw["p"][track]
    renditions: dict[str, tuple[int, Spans]] = {}
    seek: list[int] | None = None
    if sent is not None and sent["at"] == play[2]:  # a newer play of the track starts over
        renditions = {k: (v[0], tuple((s, e) for s, e in v[1])) for k, v in sent["r"].items()}
        seek = sent.get("k")
    known = renditions.get(rendition)
    spans = known[1] if known is not None and known[0] == size else ()  # a replaced file starts over
    start = max(0, start)
    stamped = False
    if seek_check(spans, start, size, unit="bytes" if unit == "1" else "ms").seek and not _asked_again(
        seek, start, play[3]
    ):
        seek, stamped = [play[3], now_us, start], True  # a fresh burst from here
    before = dict(renditions)
    renditions[rendition] = (size, add_span(spans, start, min(size, end)))
    heard = heard_ms(renditions, play[1])
    if heard > play[3]:  # a block the pacing does not allow yet is not charged
        since = None if seek is None else (seek[0], now_us - seek[1])
        paced = pace_decision(heard_ms=heard, since_url_us=now_us - play[2], burst_ms=burst_ms, speed=speed, seek=since)
        if paced.wait_ms > 0:
            if stamped:  # the seek is kept while its block waits, so the retry paces from this burst
                before[rendition] = (size, spans)
                return [raw, _spans_doc(play[2], before, seek)], [WAIT, paced.wait_ms]
            return docs, [WAIT, paced.wait_ms]
    dirtied = charge_doc(raw, track, heard)
    status = MORE if may_send(raw, track, limit_ms) else STOP
    seek_heard, seek_at = seek[:2] if seek is not None else (NO_SEEK, NO_SEEK)
    reply = [status, int(dirtied), play[3], play[2], play[1], seek_heard, seek_at]
    return [raw, _spans_doc(play[2], renditions, seek)], reply


def _asked_again(seek: list[int] | None, start: int, charged_ms: int) -> bool:
    """Whether the play's latest seek is this one asked again (a held block's retry: the same start, nothing
    charged since): it keeps its date, or each retry would restamp it, and a block holding more audio than
    the burst would wait for the URL's allowance as if it had never seeked."""
    return seek is not None and len(seek) > 2 and seek[2] == start and seek[0] == charged_ms


CHARGE = Script("playback.charge", _LUA, _step)


def charge_args(  # noqa: PLR0917 - one block's coordinates
    track: str,
    rendition: str,
    size: int,
    start: int,
    end: int,
    limit_ms: int,
    *,
    gate: bool,
    now_us: int,
    pace: tuple[int, float] | None = None,
    unit: Unit = "bytes",
) -> list[str | int]:
    """`CHARGE`'s arguments (after the TTLs), as both forms read them: `now_us` dates a seek and the pacing;
    `pace` = (burst ms, speed) charges the block only once the pacing allows it (None: charge it now); `unit`
    says what the rendition's positions count (a transcode's ms have no file tail: `_served.seek_check`)."""
    burst_ms, speed = pace if pace is not None else (0, 0.0)
    bytes_ = "1" if unit == "bytes" else "0"
    return [
        track,
        rendition,
        size,
        start,
        end,
        limit_ms,
        int(gate),
        MAX_SPANS,
        now_us,
        burst_ms,
        repr(float(speed)),
        bytes_,
    ]
