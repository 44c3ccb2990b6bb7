"""What one response sent, merged into the listener's play of a track for verified streams (`VERIFY`), as one
atomic move on the shared state.

A play lasts its length (at least 30 s) from its first byte; its spans are a lower bound (`add_span` with
`floor`); it is done once they hold 30 s of audio, and a done play takes nothing more. Written twice, side by
side, like `_charge`: `_step` in Python (the in-memory state runs it) and `_LUA` for Redis (one EVALSHA, no
document decoded in this process). `tests/playback/test_charge_script.py` runs both on the same cases.
"""

from collections.abc import Sequence

from encore.playback._served import MAX_SPANS, SPANS_LUA, Spans, add_span, heard_ms
from encore.state import Doc, Script

# The reply: [one of these, the play's first byte (µs), audio held (ms)]
ALREADY = 0  # the play was verified before: nothing changed
MERGED = 1  # merged; not yet 30 s
DONE = 2  # merged, and the play just reached its threshold: its record is to be written

_LUA = (
    SPANS_LUA
    + """
local raw = redis.call('GET', KEYS[1])
local first, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local doc
if raw then doc = cjson.decode(raw) end
if not doc or first - doc.at >= window then doc = {at = first, r = {}, done = false} end  -- a new play
if doc.done then return {0, doc.at, 0} end
local rendition, size, duration = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local threshold, cap = tonumber(ARGV[7]), tonumber(ARGV[8])
local merged = {}
local known = doc.r[rendition]
if known and known[1] == size then merged = known[2] end
for i = 9, #ARGV - 1, 2 do merged = add_span(merged, tonumber(ARGV[i]), tonumber(ARGV[i + 1]), cap, true) end
doc.r[rendition] = {size, merged}
local heard = heard_ms(doc.r, duration)
local done = heard >= threshold
local text = '{"at":' .. int(doc.at) .. ',"r":' .. renditions_text(doc.r) .. ',"done":' .. tostring(done) .. '}'
if text ~= raw then put(KEYS[1], text, ARGV[1]) end
if done then return {2, doc.at, heard} end
return {1, doc.at, heard}
"""
)


def _step(docs: list[Doc | None], args: Sequence[str | int]) -> tuple[list[Doc | None], list[int]]:
    first_us, window_us = int(args[0]), int(args[1])
    rendition = str(args[2])
    size, duration_ms, threshold = int(args[3]), int(args[4]), int(args[5])
    raw = docs[0]
    if raw is None or first_us - raw["at"] >= window_us:
        raw = {"at": first_us, "r": {}, "done": False}  # a new play of the track
    if raw["done"]:
        return docs, [ALREADY, raw["at"], 0]
    renditions = {k: (v[0], tuple((s, e) for s, e in v[1])) for k, v in raw["r"].items()}
    known = renditions.get(rendition)
    merged = known[1] if known is not None and known[0] == size else ()
    flat = [int(a) for a in args[7:]]
    for start, end in zip(flat[::2], flat[1::2], strict=True):
        merged = add_span(merged, start, end, floor=True)
    renditions[rendition] = (size, merged)
    heard = heard_ms(renditions, duration_ms)
    done = heard >= threshold
    doc = {"at": raw["at"], "r": {k: [v[0], [list(x) for x in v[1]]] for k, v in sorted(renditions.items())}}
    doc["done"] = done
    return [doc], [DONE if done else MERGED, raw["at"], heard]


VERIFY = Script("playback.verify", _LUA, _step)


def verify_args(  # noqa: PLR0917 - one response's coordinates
    first_us: int, window_us: int, rendition: str, size: int, duration_ms: int, threshold_ms: int, spans: Spans
) -> list[str | int]:
    """`VERIFY`'s arguments (after the TTL), as both forms read them."""
    return [first_us, window_us, rendition, size, duration_ms, threshold_ms, MAX_SPANS, *(x for s in spans for x in s)]
