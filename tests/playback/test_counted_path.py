"""The counted free path in one move per block: the first block's charge gates the response, a verified play
stops touching the shared state, and neither lets a dodge through. Run on memory and on Redis state."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from encore.playback import AdClockBook, ClockState, PlayNames, StreamCount, StreamVerifier
from encore.state import Doc, MemoryState, RedisState, SharedState
from encore.streaming import MediaFile, media_file_for
from encore.web._byte_path import BytePath

ME = "m" * 22
SIZE, DURATION_MS = 64 * 1024 * 8, 200_000
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


class Counting(MemoryState):
    """MemoryState that counts the moves made on it (a real state, observed)."""

    def __init__(self) -> None:
        super().__init__()
        self.moves = 0

    async def aupdate(self, keys: Any, change: Any, *, ttl_s: Any) -> Any:
        self.moves += 1
        return await super().aupdate(keys, change, ttl_s=ttl_s)

    async def arun(self, script: Any, keys: Any, args: Any, *, ttl_s: Any) -> Any:
        self.moves += 1
        return await super().arun(script, keys, args, ttl_s=ttl_s)


def _listener(state: SharedState, tracks: list[str], *, listened_ms: int) -> AdClockBook:
    """`ME` holds open plays of `tracks` (the last two are the ones playing) with `listened_ms` on the clock."""
    book = AdClockBook(state)
    for i, track in enumerate(tracks):
        at = NOW + timedelta(seconds=i)
        book.move(
            None,  # type: ignore[arg-type]  # `loaded` is given: no database is read
            1,
            lambda st, i=i, at=at: (st.charged(track_id=i, duration_ms=DURATION_MS, now=at), None),
            loaded=ClockState(listened_ms=listened_ms),
            names=PlayNames(ME, track, i),
        )
    return book


def _media(tmp_path: Path, track: str) -> MediaFile:
    path = tmp_path / f"{track}.ogg"
    path.write_bytes(bytes(range(256)) * (SIZE // 256))
    found = media_file_for(path)
    assert found is not None
    return found


def _get(path: BytePath, state: SharedState, media: MediaFile, track: str, range_: str | None) -> tuple[int, bytes]:
    out: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    scope = {"type": "http", "method": "GET", "headers": [] if range_ is None else [(b"range", range_.encode())]}

    async def go() -> None:
        await path.serve(scope, receive, send, method="GET", user=ME, track=track, rendition="r", media=media)
        await state.aclose()  # a Redis client belongs to the loop that opened it

    asyncio.run(go())
    return out[0]["status"], b"".join(m.get("body", b"") for m in out[1:])


def _path(book: AdClockBook) -> BytePath:
    return BytePath(taps=lambda user, track: book.atap(user, track, interval_s=60), cache_size=0)


def test_a_kept_url_is_refused_by_its_first_block_and_charged_nothing(tmp_path: Path, state: SharedState) -> None:
    tracks = ["a" * 22, "b" * 22, "c" * 22]  # a: collected earlier; b and c: playing and prefetched
    book = _listener(state, tracks, listened_ms=60_000)  # the clock is at the interval: an ad is owed
    before = book.charged_plays(1)
    path = _path(book)
    status, body = _get(path, state, _media(tmp_path, tracks[0]), tracks[0], "bytes=0-65535")
    assert (status, body) == (403, b"stream URL refused: ad_break_due\n")
    assert book.charged_plays(1) == before  # a refused URL costs nothing
    status, body = _get(path, state, _media(tmp_path, tracks[2]), tracks[2], "bytes=0-65535")
    assert status == 206 and len(body) == 65536  # the track playing still plays
    charged = book.charged_plays(1)
    assert charged[tracks[2]] == DURATION_MS * 65536 // SIZE > before[tracks[2]]  # and is charged its block


def test_a_free_listener_under_the_interval_is_charged_each_block_once(tmp_path: Path, state: SharedState) -> None:
    tracks = ["a" * 22, "b" * 22, "c" * 22]
    book = _listener(state, tracks, listened_ms=0)
    path = _path(book)
    kept, playing = _media(tmp_path, tracks[0]), _media(tmp_path, tracks[2])
    block_ms = DURATION_MS * 65536 // SIZE  # 25 s
    assert _get(path, state, kept, tracks[0], "bytes=0-65535")[0] == 206  # a kept URL plays while no ad is owed
    assert _get(path, state, kept, tracks[0], "bytes=0-65535")[0] == 206  # the same range again
    assert book.charged_plays(1)[tracks[0]] == block_ms  # counted once
    status, body = _get(path, state, kept, tracks[0], None)
    # The whole file on the kept URL stops at the block that made the ad due (60 s): it was charged, then cut.
    assert status == 200 and len(body) == 3 * 65536 and book.charged_plays(1)[tracks[0]] == 3 * block_ms
    status, body = _get(path, state, playing, tracks[2], None)
    assert status == 200 and len(body) == SIZE  # the track playing plays to its end
    assert book.charged_plays(1)[tracks[2]] == DURATION_MS  # and all of it is charged


def test_a_listener_never_free_gets_no_tap(state: SharedState) -> None:
    book = _listener(state, ["a" * 22], listened_ms=0)

    async def go() -> Any:
        found = await book.atap("z" * 22, "a" * 22, interval_s=60)
        await state.aclose()
        return found

    assert asyncio.run(go()) is None


def _count(verifier: StreamVerifier, track: str) -> StreamCount:
    return StreamCount(
        verifier, user=ME, track=track, rendition="r", size=SIZE, duration_ms=DURATION_MS, now=lambda: NOW
    )


def test_a_verified_play_stops_touching_the_state_and_verifies_once() -> None:
    state = Counting()
    verifier = StreamVerifier(state, secret=b"k" * 32)
    third = SIZE * 30_000 // DURATION_MS + 1  # just over 30 s of the track

    async def go() -> tuple[list[Any], int, int]:
        found = [await _count(verifier, "a" * 22).sent(0, third)]
        moves = state.moves
        for start in range(third, SIZE, 65536):  # the rest of the play, in later requests
            count = _count(verifier, "a" * 22)
            found += [await count.sent(start, start + 65536), await count.close()]
        return found, moves, state.moves

    found, moves_at_verified, moves_after = asyncio.run(go())
    assert found[0] is not None and [f for f in found[1:] if f is not None] == []  # one verified stream
    assert moves_at_verified > 0 and moves_after == moves_at_verified  # nothing after it touched the state


def test_a_verified_play_whose_record_failed_is_verified_again() -> None:
    state = Counting()
    verifier = StreamVerifier(state, secret=b"k" * 32)
    third = SIZE * 30_000 // DURATION_MS + 1

    async def go() -> tuple[Any, Any, Any]:
        count = _count(verifier, "a" * 22)
        first = await count.sent(0, third)
        assert first is not None
        await count.retry(first)  # writing it failed: the play must be verified again
        again = await _count(verifier, "a" * 22).close()  # nothing sent: no merge
        other = _count(verifier, "a" * 22)
        return first, again, (await other.sent(third, third + 1024)) or (await other.close())

    first, again, verified_again = asyncio.run(go())
    assert again is None
    assert verified_again is not None and verified_again.play_key == first.play_key  # the same play, once more


def test_a_new_play_of_the_same_track_is_verified_on_its_own() -> None:
    verifier = StreamVerifier(MemoryState(), secret=b"k" * 32)
    third = SIZE * 30_000 // DURATION_MS + 1
    later = NOW + timedelta(milliseconds=DURATION_MS + 1)

    async def go() -> tuple[Any, Any]:
        first = await _count(verifier, "a" * 22).sent(0, third)
        count = StreamCount(
            verifier, user=ME, track="a" * 22, rendition="r", size=SIZE, duration_ms=DURATION_MS, now=lambda: later
        )
        return first, await count.sent(0, third)

    first, second = asyncio.run(go())
    assert first is not None and second is not None and first.play_key != second.play_key


def test_a_verified_play_is_skipped_to_the_last_microsecond_of_its_window_and_no_further() -> None:
    """A response ending (`close`) within the window of a play this process verified merges nothing; one whose
    first byte is at the window's end belongs to the next play and is merged (the same exact microseconds as
    the state's own integers)."""
    state = Counting()
    verifier = StreamVerifier(state, secret=b"k" * 32)
    third = SIZE * 30_000 // DURATION_MS + 1
    window = timedelta(milliseconds=DURATION_MS)

    def at(when: datetime) -> StreamCount:
        return StreamCount(
            verifier, user=ME, track="a" * 22, rendition="r", size=SIZE, duration_ms=DURATION_MS, now=lambda: when
        )

    async def go() -> tuple[int, int]:
        assert await at(NOW).sent(0, third) is not None
        moves = state.moves
        last = at(NOW + window - timedelta(microseconds=1))
        assert await last.sent(third, third + 1024) is None and await last.close() is None
        skipped = state.moves - moves
        after = at(NOW + window)
        assert await after.sent(0, 1024) is None and await after.close() is None  # the next play: 1 KiB so far
        return skipped, state.moves - moves

    skipped, merged = asyncio.run(go())
    assert skipped == 0 and merged == 1


def test_redis_moves_stay_right_when_another_worker_wrote_since(
    two_redis_states: tuple[RedisState, RedisState],
) -> None:
    """Each worker remembers the texts it last saw; another worker's write (or an emptied Redis) makes that
    memory stale, and the compare-and-set must then run the change on what is really stored."""
    a, b = two_redis_states

    def add(n: int) -> Any:
        def change(docs: list[Doc | None]) -> tuple[list[Doc | None], int]:
            value = (docs[0] or {"n": 0})["n"] + n
            return [{"n": value}], value

        return change

    assert a.update(["k"], add(1), ttl_s=[None]) == 1
    assert b.update(["k"], add(10), ttl_s=[None]) == 11
    assert a.update(["k"], add(100), ttl_s=[None]) == 111  # a's memory said 1: it ran again on 11
    b.delete("k")
    assert a.update(["k"], add(1), ttl_s=[None]) == 1  # a's memory said 111: the key is gone
    assert a.update(["k"], lambda docs: (docs, None), ttl_s=[None]) is None
    assert b.get("k") == {"n": 1}

    async def go() -> int:
        got = await b.aupdate(["k"], add(5), ttl_s=[None])
        await b.aclose()
        return int(got)

    assert asyncio.run(go()) == 6
    assert a.update(["k"], add(1), ttl_s=[None]) == 7  # a's memory said 1: it ran again on 6
    a.close()
    b.close()
