"""What a listener could have heard of one play, from what the server sent them.

A free listener's clock cannot trust the client to say what it played, nor assume a track stopped when the
next one was asked for: a client can ask for a short track right after a long one and play the long one in
full. The server does know what it sent. Each play keeps, per rendition, the union of the ranges served
(bytes of a stored file, or milliseconds of an on-the-fly transcode): a union, not the highest offset, since
a browser reads the end of an Ogg file to learn its length and a seek skips what lies between. The share of
each rendition covered, times the track's length, is audio the listener could have heard.
"""

from collections.abc import Mapping

Spans = tuple[tuple[int, int], ...]  # sorted, disjoint, half-open [start, end)
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


def covered(spans: Spans) -> int:
    return sum(e - s for s, e in spans)


def heard_ms(renditions: Mapping[str, tuple[int, Spans]], duration_ms: int) -> int:
    """Audio this play's served ranges could hold: each rendition's covered share of the track, summed (a
    client cannot dodge by fetching halves of two renditions) and capped at the track's length (one play)."""
    share = sum(covered(spans) / size for size, spans in renditions.values() if size > 0)
    return min(duration_ms, int(share * duration_ms))


PROBE_BYTES = 128 * 1024  # browsers read a file's last page (an Ogg's length) from within its last 64-128 KiB


def index_probe(start: int, size: int) -> bool:
    """Whether a block starting at byte `start` of a `size`-byte file lies in its tail, where players read
    the stream's length before they start: such a block is charged but never held, or the first sound of
    every free play would wait for the pacing (seconds, in Chromium). Holding it saves at most 128 KiB."""
    return size > 0 and start >= max(size // 2, size - PROBE_BYTES)


def pace_wait_ms(*, heard_ms: int, elapsed_ms: int, burst_ms: int, speed: float) -> int:
    """How long to hold a free listener's next block so that what was sent of a play stays within a burst
    plus `speed` times the time since its URL: a listener who skips after 5 s was sent (and is charged)
    about burst + 2 x 5 s, not the whole file. 0 = send now; `speed` 0 turns pacing off."""
    if speed <= 0:
        return 0
    ahead = heard_ms - burst_ms - speed * max(0, elapsed_ms)
    return max(0, int(ahead / speed))
