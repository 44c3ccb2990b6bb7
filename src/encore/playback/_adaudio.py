"""What the server sent of an ad: an impression counts (and is paid for) only once about the whole ad went out.

The time since a break was handed out says the ad could have played, not that its audio was sent: the web
player's `played` report counted on elapsed time alone, and a Subsonic app that read 64 KiB of the ad and hung
up got its impression (the hostile probe, session 14). What each response sent of an ad is merged, as a
track's served spans are (`_served`: the union of ranges per rendition, bytes of a file or milliseconds of a
transcode, a lower bound), into the listener's hearing of that ad on the shared state, so a break handed out
by one worker or node and sent by another is checked by any.

A hearing is one break's: it begins when a new break of the ad is handed out (`begin`) and takes every response
that began after it, until the next break, however long the ad was paused. `begin` leaves the break's time in
place of the hearing, not nothing: a response that began before the break (a second device's, held open) and
ended after it joined the new hearing with its early first byte, which `heard` then refused for this break, and
the break could not be heard until that hearing was forgotten an hour later (review32d L1).

Told apart by time instead (a response began a new hearing when the stored one was whole and at least the ad's
length old), an ad played faster than real time and the next break handed out at once joined the counted
hearing, which began before the new break (`ad_not_heard`, and the ad again: session 31's ad-break paths); and
an ad paused past its length, reloaded and resumed for its last second began a hearing of its own, whose length
had not passed since its first byte (`ad_not_heard` again).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from encore.playback._served import SentSpans, Spans, add_span, heard_ms
from encore.state import Change, Doc, SharedState

AD_SLACK_MS = 1000  # as `ads.ad_played_through`: the ad's last second need not have been sent
SKEW = timedelta(seconds=5)  # nodes' clocks differ a little: a first byte may seem to precede its break
CLOCK_SKEW_MS = 2000  # the same, for the ad's length since its first byte: nodes keep NTP time (docs/deploy.md)
_KEEP_S = 2 * 3600.0  # a break stays open for an hour; its hearing is kept a little longer
_NEW_AFTER_US = 3600 * 1_000_000  # a hearing older than any open break is forgotten (its break lapsed)
_SKEW_US = SKEW // timedelta(microseconds=1)


def _us(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def _key(user: str, track: str) -> str:
    return f"adclock:heard:{user}:{track}"


def _threshold(duration_ms: int) -> int:
    return max(0, duration_ms - AD_SLACK_MS)


def played_since_first_byte(first_us: int, duration_ms: int, now_us: int) -> bool:
    """Whether the ad could have played through from the first byte of its audio that was sent: what was sent
    is only what the server handed to the next hop (behind a proxy, the socket buffers take a whole ad before
    the proxy notices its client hung up), so the ad's length must have passed since that first byte, not only
    since the break was handed out. Tolerance: the ad's last second (AD_SLACK_MS) and CLOCK_SKEW between the
    node that sent the first byte and the one asked."""
    return now_us - first_us >= (duration_ms - AD_SLACK_MS - CLOCK_SKEW_MS) * 1000


def _renditions(doc: Doc) -> dict[str, tuple[int, Spans]]:
    return {k: (int(v[0]), tuple((int(s), int(e)) for s, e in v[1])) for k, v in doc["r"].items()}


def _complete(renditions: dict[str, tuple[int, Spans]], duration_ms: int) -> bool:
    return heard_ms(renditions, duration_ms) >= _threshold(duration_ms)


def _doc(at: int | None, renditions: dict[str, tuple[int, Spans]], break_us: int | None) -> Doc:
    """The stored hearing: `at` its first byte (None: nothing sent since the break), `r` what each rendition
    sent, `b` the time of the break handed out last (absent if none was since the hearing was last kept)."""
    doc: Doc = {"at": at, "r": {k: [v[0], [list(x) for x in v[1]]] for k, v in sorted(renditions.items())}}
    if break_us is not None:
        doc["b"] = break_us
    return doc


def _begin(break_us: int) -> Change[None]:
    """The change that starts the hearing of a break handed out at `break_us`: nothing sent of it yet."""

    def step(_docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        return [_doc(None, {}, break_us)], None

    return step


def _merge(first_us: int, rendition: str, size: int, spans: Spans) -> Change[None]:
    """The change that adds one response's spans to the listener's hearing of the ad: the hearing of the break
    handed out last (`begin`), which a reload mid-ad resumes (with a Range, or the whole file again: all of it
    counts, and the ad's length from the first byte of all). A response whose first byte came before that break
    (less the nodes' clock allowance) was an earlier break's and adds nothing. A hearing an hour older than this
    response's first byte is forgotten: its break has lapsed."""

    def step(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        raw = docs[0]
        break_us = None if raw is None else raw.get("b")
        if break_us is not None and first_us < int(break_us) - _SKEW_US:
            return [raw], None
        at = None if raw is None else raw.get("at")
        if at is not None and first_us - int(at) >= _NEW_AFTER_US:
            at = None
        renditions = {} if raw is None or at is None else _renditions(raw)
        known = renditions.get(rendition)
        merged = known[1] if known is not None and known[0] == size else ()
        for start, end in spans:
            merged = add_span(merged, start, end, floor=True)
        renditions[rendition] = (size, merged)
        first = first_us if at is None else min(int(at), first_us)
        return [_doc(first, renditions, break_us)], None

    return step


class AdAudio:
    """The listener's hearings of ads, on the shared state: counted by `count` as each response sends, asked
    by `heard` before an impression counts."""

    def __init__(self, state: SharedState) -> None:
        self._state = state

    def count(
        self,
        *,
        user: str,
        track: str,
        rendition: str,
        size: int,
        duration_ms: int,
        now: Callable[[], datetime],
    ) -> "AdAudioCount":
        """What one response of the ad `track` sends to `user` (public ids). `size` and the spans are bytes of
        a stored file, or milliseconds of a transcode (size = the ad's length)."""
        return AdAudioCount(
            self, user=user, track=track, rendition=rendition, size=size, duration_ms=duration_ms, now=now
        )

    def begin(self, *, user: str, track: str, at: datetime) -> None:
        """A new break of the ad `track` was handed out to `user` at `at`: what was sent of it before, and what a
        response that began before `at` sends still, was an earlier break's hearing; none of it counts for this
        one."""
        self._state.update([_key(user, track)], _begin(_us(at)), ttl_s=[_KEEP_S])

    def heard(self, *, user: str, track: str, duration_ms: int, since: datetime, now: datetime) -> bool:
        """Whether about the whole ad (all but its last AD_SLACK_MS) was sent to `user` in a hearing that began
        after `since` (the break was handed out), on any worker or node, and the ad's length has passed since
        that hearing's first byte (`played_since_first_byte`)."""
        raw = self._state.get(_key(user, track))
        if raw is None or raw.get("at") is None or int(raw["at"]) < _us(since - SKEW):
            return False
        return played_since_first_byte(int(raw["at"]), duration_ms, _us(now)) and _complete(
            _renditions(raw), duration_ms
        )

    def _move(self, count: "AdAudioCount") -> tuple[list[str], Change[None]]:
        sent = count.served
        return [_key(count.user, count.track)], _merge(
            _us(sent.first or sent.now()), count.rendition, sent.size, sent.spans
        )

    async def amerge(self, count: "AdAudioCount") -> None:
        keys, step = self._move(count)
        await self._state.aupdate(keys, step, ttl_s=[_KEEP_S])

    def merge(self, count: "AdAudioCount") -> None:
        keys, step = self._move(count)
        self._state.update(keys, step, ttl_s=[_KEEP_S])


class AdAudioCount:
    """What one response sent of an ad: kept locally, merged into the hearing when it alone reaches the
    whole ad and when it ends (one shared-state move per response, rarely two). The face of `StreamCount`
    (`sent`, `close`, `retry` and their `_now` forms from a transcode's worker thread), but it never makes
    a verified stream: ad audio pays no label."""

    def __init__(
        self,
        book: AdAudio,
        *,
        user: str,
        track: str,
        rendition: str,
        size: int,
        duration_ms: int,
        now: Callable[[], datetime],
    ) -> None:
        self._book, self.user, self.track, self.rendition = book, user, track, rendition
        self.served = SentSpans(size=size, duration_ms=duration_ms, now=now)
        self._merged = False

    def _add(self, start: int, end: int) -> bool:
        """Add a block sent; whether to merge now (this response alone reached the whole ad)."""
        whole = self.served.add(start, end) >= _threshold(self.served.duration_ms)
        return not self._merged and whole

    async def sent(self, start: int, end: int) -> None:
        if self._add(start, end):
            self._merged = True
            await self._book.amerge(self)

    def sent_now(self, start: int, end: int) -> None:
        if self._add(start, end):
            self._merged = True
            self._book.merge(self)

    async def close(self) -> None:
        if not self._merged and self.served.first is not None:
            self._merged = True
            await self._book.amerge(self)

    def close_now(self) -> None:
        if not self._merged and self.served.first is not None:
            self._merged = True
            self._book.merge(self)

    async def retry(self, found: object) -> None:
        """Never called: this count makes no verified stream to write."""

    def retry_now(self, found: object) -> None:
        """Never called: this count makes no verified stream to write."""
