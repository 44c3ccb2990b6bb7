"""What was sent of a track, merged into the listener's play on the shared state, until it verifies.

What was sent is kept per listener and track on the shared state as a lower bound (the union of ranges sent,
dropping the smallest when the list is full, so scattered tiny ranges never add up to more than they carried),
across every request, worker and node. One play of a track lasts its length from its first byte
(`play_window_us`): parallel requests, seeks and re-reads within it count once. A play that reaches 30 s
verifies once, and its record (`Verified`) is handed to the caller to write.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from encore.playback._served import SentSpans, Spans
from encore.playback._verified import EPOCH, VERIFY_MIN_MS, Verified, epoch_us, play_key, play_window_us
from encore.playback._verifymove import DONE, VERIFY, verify_args
from encore.state import Doc, SharedState


@dataclass(frozen=True)
class Coordinates:
    """What one response sent of one track, to merge into the listener's play."""

    user: str
    track: str
    duration_ms: int
    rendition: str
    size: int
    spans: Spans
    first_byte_at: datetime


DONE_PLAYS = 8192  # verified plays a process remembers, so their later blocks skip the shared state


def _key(user: str, track: str) -> str:
    return f"verify:{user}:{track}"


class StreamVerifier:
    """Merges what each response sent into the listener's play of the track, on the shared state.

    A play verifies once: after that, nothing sent for it can change the record, so this process remembers
    the plays it verified itself (bounded) and their later blocks and requests skip the shared state. Only its
    own: the process that flips a play to done is the one writing its record, and the only one that can take
    the mark back (`unmark`, when the write fails), so its memory never outlives the fact. A play another
    worker verified is not remembered here (that worker's write may still fail and unmark it); forgetting
    costs one read."""

    def __init__(self, state: SharedState, *, secret: bytes) -> None:
        self._state, self._secret = state, secret  # secret: `play_key_secret(settings.secret_key)`
        # (listener, track) -> (verified play's first byte, its window): compared as datetimes, the same exact
        # microseconds as the state's integers, without converting each response's first byte to them
        self._done: dict[tuple[str, str], tuple[datetime, timedelta]] = {}

    def verified_here(self, user: str, track: str, first_byte_at: datetime) -> bool:
        """Whether this process verified the play a response beginning at `first_byte_at` belongs to: nothing
        sent for it can change the record, so its merge is skipped (see the class)."""
        found = self._done.get((user, track))
        return found is not None and first_byte_at - found[0] < found[1]

    def _move(self, coords: Coordinates) -> tuple[list[str], list[str | int], list[float]] | None:
        """What `merge` and `merge_now` both need: `VERIFY`'s key, arguments and TTL; None when this process
        already verified the play (nothing sent for it can change the record)."""
        if self.verified_here(coords.user, coords.track, coords.first_byte_at):
            return None
        window_us = play_window_us(coords.duration_ms)
        args = verify_args(
            epoch_us(coords.first_byte_at),
            window_us,
            coords.rendition,
            coords.size,
            coords.duration_ms,
            VERIFY_MIN_MS,
            coords.spans,
        )
        return [_key(coords.user, coords.track)], args, [window_us / 1_000_000 + 3600]

    def _found(self, coords: Coordinates, reply: list[int]) -> Verified | None:
        """The record when the move just verified the play, remembered (see the class); else None."""
        status, at_us, heard = reply
        if status != DONE:
            return None
        key = (coords.user, coords.track)
        if key not in self._done and len(self._done) >= DONE_PLAYS:
            del self._done[next(iter(self._done))]
        self._done[key] = (
            EPOCH + timedelta(microseconds=at_us),
            timedelta(microseconds=play_window_us(coords.duration_ms)),
        )
        its_key = play_key(self._secret, user=coords.user, track=coords.track, first_us=at_us)
        return Verified(coords.user, coords.track, its_key, EPOCH + timedelta(microseconds=at_us), heard)

    async def merge(self, coords: Coordinates) -> Verified | None:
        """The play's record once it first reaches 30 s; None before and after (a play verifies once)."""
        move = self._move(coords)
        if move is None:
            return None
        keys, args, ttl = move
        return self._found(coords, await self._state.arun(VERIFY, keys, args, ttl_s=ttl))

    def merge_now(self, coords: Coordinates) -> Verified | None:
        """`merge` from a worker thread (an MP3 transcode's blocking iterator)."""
        move = self._move(coords)
        if move is None:
            return None
        keys, args, ttl = move
        return self._found(coords, self._state.run(VERIFY, keys, args, ttl_s=ttl))

    async def unmark(self, verified: Verified, *, duration_ms: int) -> None:
        """Writing `verified` failed: the play is not done, so its next merge finds it verified again."""
        key, step, ttl = _unmark_step(verified, duration_ms)
        self._done.pop((verified.user, verified.track), None)
        await self._state.aupdate([key], step, ttl_s=[ttl])

    def unmark_now(self, verified: Verified, *, duration_ms: int) -> None:
        key, step, ttl = _unmark_step(verified, duration_ms)
        self._done.pop((verified.user, verified.track), None)
        self._state.update([key], step, ttl_s=[ttl])


def _unmark_step(
    verified: Verified, duration_ms: int
) -> tuple[str, Callable[[list[Doc | None]], tuple[list[Doc | None], None]], float]:
    at_us = epoch_us(verified.first_byte_at)

    def step(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        raw = docs[0]
        if raw is None or raw["at"] != at_us or not raw["done"]:
            return docs, None
        return [{**raw, "done": False}], None

    return _key(verified.user, verified.track), step, play_window_us(duration_ms) / 1_000_000 + 3600


class StreamCount:
    """What one response sent of one track to one listener: kept locally (no shared-state write per block),
    merged into the play when it alone reaches 30 s and when it ends. `size` and the spans are bytes of a
    stored file, or milliseconds of an on-the-fly transcode (size = the track's length). The `_now` methods
    do the same from a worker thread (a transcode's blocking iterator)."""

    def __init__(
        self,
        verifier: StreamVerifier,
        *,
        user: str,
        track: str,
        rendition: str,
        size: int,
        duration_ms: int,
        now: Callable[[], datetime],
    ) -> None:
        self._verifier, self._user, self._track, self._rendition = verifier, user, track, rendition
        self._sent = SentSpans(size=size, duration_ms=duration_ms, now=now)
        self._merged = False

    def _add(self, start: int, end: int) -> bool:
        """Add a block sent; whether the play should be merged now (this response alone reached 30 s)."""
        heard = self._sent.add(start, end)
        return not self._merged and heard >= VERIFY_MIN_MS

    async def sent(self, start: int, end: int) -> Verified | None:
        return await self._merge() if self._add(start, end) else None

    def sent_now(self, start: int, end: int) -> Verified | None:
        return self._merge_now() if self._add(start, end) else None

    def _closes_unmerged(self) -> bool:
        """Whether the response's end merges its spans: it sent something, did not merge already, and its play
        is not one this process verified (checked here, before the merge's coordinates are built)."""
        first = self._sent.first
        return not (self._merged or first is None or self._verifier.verified_here(self._user, self._track, first))

    async def close(self) -> Verified | None:
        return await self._merge() if self._closes_unmerged() else None

    def close_now(self) -> Verified | None:
        return self._merge_now() if self._closes_unmerged() else None

    async def retry(self, verified: Verified) -> None:
        """Writing `verified` failed: the play is verified again by this response's next block or its end,
        or by a later response."""
        await self._verifier.unmark(verified, duration_ms=self._sent.duration_ms)
        self._merged = False

    def retry_now(self, verified: Verified) -> None:
        self._verifier.unmark_now(verified, duration_ms=self._sent.duration_ms)
        self._merged = False

    def _coordinates(self) -> Coordinates:
        self._merged = True
        sent = self._sent
        first = sent.first or sent.now()
        return Coordinates(self._user, self._track, sent.duration_ms, self._rendition, sent.size, sent.spans, first)

    async def _merge(self) -> Verified | None:
        return await self._verifier.merge(self._coordinates())

    def _merge_now(self) -> Verified | None:
        return self._verifier.merge_now(self._coordinates())
