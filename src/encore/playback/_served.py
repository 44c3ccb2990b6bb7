"""What a listener could have heard of one play, from what the server sent them.

A free listener's clock cannot trust the client to say what it played, nor assume a track stopped when the
next one was asked for: a client can ask for a short track right after a long one and play the long one in
full. The server does know what it sent. Each play keeps, per rendition, the union of the ranges served
(bytes of a stored file, or milliseconds of an on-the-fly transcode): a union, not the highest offset, since
a browser reads the end of an Ogg file to learn its length and a seek skips what lies between. The share of
each rendition covered, times the track's length, is audio the listener could have heard.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Spans = tuple[tuple[int, int], ...]  # sorted, disjoint, half-open [start, end)
Unit = Literal["bytes", "ms"]  # what a rendition's positions count: bytes of a stored file, ms of a transcode
MAX_SPANS = 64  # per rendition of a play; past it the smallest gaps are filled in (counted as sent)


def add_span(spans: Spans, start: int, end: int, *, floor: bool = False) -> Spans:
    """`spans` with [start, end) added, merged with anything it overlaps or touches. A client scattering
    tiny ranges cannot grow the list (and the work under the clock's lock) without bound: past MAX_SPANS the
    smallest gap is closed, which can only charge more than was sent, never less. With `floor` (a lower
    bound, for paying royalties) the smallest span is dropped instead, which can only count less."""
    if end <= start:
        return spans
    out: list[tuple[int, int]] = []
    placed = False
    for s, e in spans:
        if e < start:
            out.append((s, e))
        elif end < s:
            if not placed:
                out.append((start, end))
                placed = True
            out.append((s, e))
        else:
            start, end = min(s, start), max(e, end)
    if not placed:
        out.append((start, end))  # the walk above keeps `out` sorted
    while floor and len(out) > MAX_SPANS:
        out.remove(min(out, key=lambda span: span[1] - span[0]))
    while len(out) > MAX_SPANS:
        i = min(range(len(out) - 1), key=lambda k: out[k + 1][0] - out[k][1])
        out[i : i + 2] = [(out[i][0], out[i + 1][1])]
    return tuple(out)


# `add_span` and `heard_ms` in Lua, for the scripts that move a play on Redis (`_charge`, `_verifymove`): the
# same walk, the same first-minimal choices, the same float sum in rendition-name order. Spans are {{s, e}, ...}
# (1-based); renditions map a name to {size, spans}. Their tests run both forms on the same cases.
SPANS_LUA = """
local function add_span(spans, start, stop, cap, floor)
  if stop <= start then return spans end
  local out, placed = {}, false
  for i = 1, #spans do
    local s, e = spans[i][1], spans[i][2]
    if e < start then out[#out + 1] = {s, e}
    elseif stop < s then
      if not placed then out[#out + 1] = {start, stop}; placed = true end
      out[#out + 1] = {s, e}
    else start = math.min(s, start); stop = math.max(e, stop) end
  end
  if not placed then out[#out + 1] = {start, stop} end
  while floor and #out > cap do
    local small = 1
    for k = 2, #out do
      if out[k][2] - out[k][1] < out[small][2] - out[small][1] then small = k end
    end
    table.remove(out, small)
  end
  while #out > cap do
    local best = 1
    for k = 2, #out - 1 do
      if out[k + 1][1] - out[k][2] < out[best + 1][1] - out[best][2] then best = k end
    end
    out[best] = {out[best][1], out[best + 1][2]}
    table.remove(out, best + 1)
  end
  return out
end

local function names_of(r)
  local names = {}
  for k in pairs(r) do names[#names + 1] = k end
  table.sort(names)
  return names
end

local function heard_ms(r, duration)
  local share = 0
  for _, k in ipairs(names_of(r)) do
    local v = r[k]
    if v[1] > 0 then
      local c = 0
      for _, sp in ipairs(v[2]) do c = c + sp[2] - sp[1] end
      share = share + c / v[1]
    end
  end
  return math.min(duration, math.floor(share * duration))
end

local function int(n)
  if n == nil or n == cjson.null then return 'null' end
  return string.format('%d', n)
end

-- {"name":[size,[[s,e],...]],...} in name order, integers exact (cjson would print 14 digits)
local function renditions_text(r)
  local parts = {}
  for _, k in ipairs(names_of(r)) do
    local v, o = r[k], {}
    for i, sp in ipairs(v[2]) do o[i] = '[' .. int(sp[1]) .. ',' .. int(sp[2]) .. ']' end
    parts[#parts + 1] = cjson.encode(k) .. ':[' .. int(v[1]) .. ',[' .. table.concat(o, ',') .. ']]'
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

local function put(key, text, ttl)
  if tonumber(ttl) > 0 then redis.call('SET', key, text, 'PX', ttl) else redis.call('SET', key, text) end
end
"""


def covered(spans: Spans) -> int:
    return sum(e - s for s, e in spans)


def heard_ms(renditions: Mapping[str, tuple[int, Spans]], duration_ms: int) -> int:
    """Audio this play's served ranges could hold: each rendition's covered share of the track, summed (a
    client cannot dodge by fetching halves of two renditions) and capped at the track's length (one play).
    Summed in rendition-name order, as the Lua form of the charge does (`_charge`): the same float sum."""
    share = sum(covered(spans) / size for _, (size, spans) in sorted(renditions.items()) if size > 0)
    return min(duration_ms, int(share * duration_ms))


class SentSpans:
    """What one response sent of one file to one listener, kept locally: the spans (bytes of a stored file, or
    milliseconds of an on-the-fly transcode, `size` then being the track's length) and when it began. The
    verified-stream and ad-audio counts both keep one."""

    def __init__(self, *, size: int, duration_ms: int, now: Callable[[], datetime]) -> None:
        self.size, self.duration_ms, self.now = size, duration_ms, now
        self.spans: Spans = ()
        self.first: datetime | None = None

    def add(self, start: int, end: int) -> int:
        """Add a block sent; the audio this response's spans now hold (ms)."""
        if self.first is None:
            self.first = self.now()
        self.spans = add_span(self.spans, max(0, start), min(self.size, end), floor=True)
        if self.size <= 0:
            return 0
        # `heard_ms` of this one rendition (its one-term sum is the same float), without its dict and sort
        return min(self.duration_ms, int(covered(self.spans) / self.size * self.duration_ms))


PROBE_BYTES = 128 * 1024  # browsers read a file's last page (an Ogg's length) from within its last 64-128 KiB


def _tail_start(size: int) -> int:
    return max(size // 2, size - PROBE_BYTES)


def index_probe(start: int, size: int) -> bool:
    """Whether a block starting at byte `start` of a `size`-byte file lies in its tail, where players read
    the stream's length before they start: such a block is charged but never held, or the first sound of
    every free play would wait for the pacing (seconds, in Chromium). Holding it saves at most 128 KiB."""
    return size > 0 and start >= _tail_start(size)


@dataclass(frozen=True)
class SeekCheck:
    """Whether a block opens a fresh burst of the free tier's pacing (`seek_check`), and why."""

    seek: bool
    reason: str


def seek_check(spans: Spans, start: int, size: int, *, unit: Unit = "bytes") -> SeekCheck:
    """Whether a block starting at `start` of a rendition already sent as `spans` is a seek: it starts outside
    what this play was sent, so the play's pacing starts afresh there (a burst, then `speed` x real time from
    the seek: `pace_decision`). The product's rule (issue #14): the ad clock charges the audio sent, so a seek
    running ahead of the old allowance dodges nothing; it is charged what it gets, like any audio.

    Not a seek: a read of a stored file's tail (a player learning its length; charged, never held, and it
    must not burn a burst before the play begins), a play's first read of its body (its first burst is the
    URL's), a block inside or right after what was sent (a stream going on, a player re-reading what it has).
    A transcode's positions are milliseconds of audio (`unit` "ms"): it has no tail a player reads, so a
    `timeOffset` in a track's second half is a seek like any other."""
    if unit == "bytes" and index_probe(start, size):
        return SeekCheck(seek=False, reason="the file's tail: a player reading its length")
    tail = _tail_start(size) if unit == "bytes" else size
    if not any(s < tail for s, _ in spans):
        return SeekCheck(seek=False, reason="the play's first read: the URL's burst covers it")
    if any(s <= start <= e for s, e in spans):
        return SeekCheck(seek=False, reason="inside or right after what this play was sent")
    return SeekCheck(seek=True, reason="starts outside what this play was sent: a fresh burst from here")


# `seek_check` in Lua, for the charge script (`_charge`; `bytes` false for a transcode's ms); its tests run
# both forms on the same cases.
SEEK_LUA = f"""
local function is_seek(spans, start, size, bytes)
  local tail = size
  if bytes then
    tail = math.max(math.floor(size / 2), size - {PROBE_BYTES})
    if size > 0 and start >= tail then return false end
  end
  local body = false
  for i = 1, #spans do
    if spans[i][1] < tail then body = true end
    if spans[i][1] <= start and start <= spans[i][2] then return false end
  end
  return body
end
"""


@dataclass(frozen=True)
class PaceDecision:
    """How long to hold a free listener's block before it may be sent and charged (0 = now), and why."""

    wait_ms: int
    reason: str


def pace_decision(
    *,
    heard_ms: int,
    since_url_us: int,
    burst_ms: int,
    speed: float,
    seek: tuple[int, int] | None = None,
) -> PaceDecision:
    """Whether a play may now be sent (and charged) up to `heard_ms` of audio: what was sent of a play stays
    within a burst plus `speed` times the time since its URL, so a listener who skips after 5 s was sent (and
    is charged) about burst + 2 x 5 s, not the whole file. `seek` = (the play's audio charged before its latest
    seek, µs since it): a seek opens a fresh burst, so the allowance is also that audio + a burst + `speed` x
    the time since the seek, whichever is larger. `speed` 0 turns pacing off.

    The arithmetic is the charge script's own (`_charge`, in Lua too): a float allowance, the wait rounded up."""
    if speed <= 0:
        return PaceDecision(0, "pacing off")
    allowance = burst_ms + speed * max(0, since_url_us) / 1000
    reason = "a burst, then {speed}x real time since the URL"
    if seek is not None:
        from_seek = seek[0] + burst_ms + speed * max(0, seek[1]) / 1000
        if from_seek > allowance:
            allowance, reason = from_seek, "a fresh burst at the seek, then {speed}x real time since it"
    if heard_ms <= allowance:
        return PaceDecision(0, "within " + reason.format(speed=speed))
    return PaceDecision(math.ceil((heard_ms - allowance) / speed), "ahead of " + reason.format(speed=speed))
