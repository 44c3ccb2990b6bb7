"""An ad's impression needs Encore's own record that (about) all of its audio was sent to the listener: what
each response sent of an ad is merged on the shared state, so a break handed out by one node and sent by
another is checked by any (the hostile probe of session 14: elapsed time alone counted an ad never sent)."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from encore.playback import AdAudio, counted_transcode
from encore.state import MemoryState, RedisState
from tests.support.redis import RedisServer

AD_MS = 15_000
SIZE = 300 * 1024  # 15 s: 20 KiB a second
BLOCK = 64 * 1024
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "redis"])
def nodes(request: pytest.FixtureRequest) -> Iterator[tuple[AdAudio, AdAudio]]:
    """Two processes' views of the listener's hearings: one process in memory; two connections to Redis."""
    if request.param == "memory":
        state = MemoryState()
        yield AdAudio(state), AdAudio(state)
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    prefix = server.new_prefix()
    one, two = RedisState(server.url, prefix=prefix), RedisState(server.url, prefix=prefix)
    try:
        yield AdAudio(one), AdAudio(two)
    finally:
        one.close()
        two.close()


def _send(book: AdAudio, at: datetime, start: int, end: int, *, rendition: str = "vorbis160") -> None:
    """One response of the ad, `start` to `end` (bytes), in 64 KiB blocks, ended."""
    count = book.count(user="fan", track="spot", rendition=rendition, size=SIZE, duration_ms=AD_MS, now=lambda: at)
    for block in range(start, end, BLOCK):
        count.sent_now(block, min(end, block + BLOCK))
    count.close_now()


def _heard(book: AdAudio, since: datetime, now: datetime | None = None) -> bool:
    """Asked (by default) well after the ad could have played through from any first byte these tests send."""
    at = since + timedelta(seconds=30) if now is None else now
    return book.heard(user="fan", track="spot", duration_ms=AD_MS, since=since, now=at)


def test_nothing_sent_is_not_heard(nodes: tuple[AdAudio, AdAudio]) -> None:
    assert not _heard(nodes[0], T0)


def test_the_first_64_kib_then_a_hang_up_is_not_heard(nodes: tuple[AdAudio, AdAudio]) -> None:
    a, b = nodes
    _send(a, T0, 0, BLOCK)
    assert not _heard(b, T0)


def test_the_whole_ad_sent_by_one_node_is_heard_on_the_other(nodes: tuple[AdAudio, AdAudio]) -> None:
    a, b = nodes
    _send(a, T0 + timedelta(seconds=1), 0, SIZE)
    assert _heard(b, T0)


def test_a_reload_mid_ad_resumes_the_same_hearing(nodes: tuple[AdAudio, AdAudio]) -> None:
    """The player resumes a reloaded ad with a Range on another worker: both halves together are the ad."""
    a, b = nodes
    _send(a, T0, 0, SIZE // 2)
    assert not _heard(b, T0)
    _send(b, T0 + timedelta(minutes=5), SIZE // 2, SIZE)
    assert _heard(a, T0)


def test_scattered_tiny_ranges_never_add_up_to_the_ad(nodes: tuple[AdAudio, AdAudio]) -> None:
    a, b = nodes
    for n in range(200):
        _send(a, T0, n * 1500, n * 1500 + 1)  # 200 one-byte ranges spread over the file
    assert not _heard(b, T0)


def test_a_hearing_from_before_the_break_does_not_count_for_it(nodes: tuple[AdAudio, AdAudio]) -> None:
    """The same ad heard at the previous break: the next break of it needs its own audio sent."""
    a, b = nodes
    _send(a, T0, 0, SIZE)
    later = T0 + timedelta(minutes=3)
    b.begin(user="fan", track="spot", at=later)  # the next break handed out
    assert not _heard(b, later)
    _send(b, later + timedelta(seconds=1), 0, BLOCK)  # the next break: its first block only
    assert not _heard(a, later)
    _send(a, later + timedelta(seconds=2), BLOCK, SIZE)
    assert _heard(b, later)


def test_the_next_break_of_an_ad_at_once_after_the_last_is_a_hearing_of_its_own(
    nodes: tuple[AdAudio, AdAudio],
) -> None:
    """An ad played faster than real time, then the next break of it handed out at once (session 31's ad played
    twice): its audio, sent within the ad's length of the last hearing's, was merged into that hearing, which began
    before the new break by more than the nodes' clock allowance."""
    a, b = nodes
    _send(a, T0, 0, SIZE)
    later = T0 + timedelta(seconds=8)  # less than the 15 s ad after the last hearing's first byte
    b.begin(user="fan", track="spot", at=later)
    assert not _heard(a, later)
    _send(a, later, 0, SIZE)
    assert _heard(b, later, now=later + timedelta(milliseconds=AD_MS - 3000))


def test_a_response_begun_before_the_break_and_ended_after_it_does_not_spoil_it(
    nodes: tuple[AdAudio, AdAudio],
) -> None:
    """review32d L1: a second device's response of the ad, opened at the last break and held open, ended just
    after the next break was handed out. It began that break's hearing with its early first byte, so the whole
    ad sent for the new break was refused (`ad_not_heard`) until the hearing was forgotten an hour later."""
    a, b = nodes
    _send(a, T0, 0, SIZE)  # the last break, heard
    held = b.count(user="fan", track="spot", rendition="vorbis160", size=SIZE, duration_ms=AD_MS, now=lambda: T0)
    held.sent_now(0, 1000)
    brk = T0 + timedelta(minutes=10)
    a.begin(user="fan", track="spot", at=brk)  # the next break handed out
    held.close_now()  # the held response ends
    assert not _heard(a, brk)
    _send(a, brk + timedelta(seconds=1), 0, SIZE)
    assert _heard(b, brk, now=brk + timedelta(seconds=17))


def test_a_response_within_the_clock_allowance_before_the_break_joins_it(nodes: tuple[AdAudio, AdAudio]) -> None:
    """Another node's clock may run a little behind the one that handed the break out: its first byte seems to
    precede the break by up to SKEW (5 s)."""
    a, b = nodes
    brk = T0 + timedelta(minutes=10)
    a.begin(user="fan", track="spot", at=brk)
    _send(b, brk - timedelta(seconds=4), 0, SIZE)
    assert _heard(a, brk)
    a.begin(user="fan", track="spot", at=brk + timedelta(minutes=10))
    _send(b, brk + timedelta(minutes=10) - timedelta(seconds=6), 0, SIZE)
    assert not _heard(a, brk + timedelta(minutes=10))


def test_a_hearing_is_forgotten_an_hour_after_its_first_byte(nodes: tuple[AdAudio, AdAudio]) -> None:
    """Half the ad sent, then nothing for an hour: its break lapsed, and what comes next is heard afresh (the
    next break's length is counted from its own first byte, not the stale one)."""
    a, b = nodes
    a.begin(user="fan", track="spot", at=T0)
    _send(a, T0, 0, SIZE // 2)
    later = T0 + timedelta(hours=1)
    _send(b, later, SIZE // 2, SIZE)  # the second half alone is not the ad
    assert not _heard(a, T0, now=later + timedelta(seconds=30))
    _send(b, later + timedelta(seconds=1), 0, SIZE // 2)
    assert _heard(a, T0, now=later + timedelta(seconds=30))


def test_a_whole_ad_resumed_after_a_pause_longer_than_it_is_the_same_hearing(nodes: tuple[AdAudio, AdAudio]) -> None:
    """The whole ad came at once, the listener paused it near its end and reloaded 20 s later: the whole file again
    (a new URL), its last second played. That response began a hearing of its own (the stored one whole and older
    than the ad), whose length had not passed since its first byte."""
    a, b = nodes
    _send(a, T0, 0, SIZE)
    resumed = T0 + timedelta(seconds=20)
    _send(b, resumed, 0, SIZE)
    assert _heard(a, T0, now=resumed + timedelta(seconds=1))


def test_a_transcode_counts_in_milliseconds(nodes: tuple[AdAudio, AdAudio]) -> None:
    a, b = nodes
    count = a.count(user="fan", track="spot", rendition="mp3-128", size=AD_MS, duration_ms=AD_MS, now=lambda: T0)
    count.sent_now(0, 3_000)
    count.close_now()
    assert not _heard(b, T0)
    again = a.count(user="fan", track="spot", rendition="mp3-128", size=AD_MS, duration_ms=AD_MS, now=lambda: T0)
    for ms in range(0, AD_MS, 1000):
        again.sent_now(ms, ms + 1000)
    again.close_now()
    assert _heard(b, T0)


def test_the_byte_paths_async_form_records_the_same(redis_server: RedisServer) -> None:
    prefix = redis_server.new_prefix()
    one, two = RedisState(redis_server.url, prefix=prefix), RedisState(redis_server.url, prefix=prefix)
    a, b = AdAudio(one), AdAudio(two)

    async def send() -> None:
        count = a.count(user="fan", track="spot", rendition="vorbis160", size=SIZE, duration_ms=AD_MS, now=lambda: T0)
        for block in range(0, SIZE, BLOCK):
            await count.sent(block, min(SIZE, block + BLOCK))
        await count.close()
        await one.aclose()  # the async connections belong to this loop

    try:
        asyncio.run(send())
        assert _heard(b, T0)
    finally:
        one.close()
        two.close()


def _ad_transcode(book: AdAudio, blocks: int) -> Iterator[bytes]:
    """Subsonic's MP3 transcode of the 15 s ad (128 kbit/s: 5 s blocks of 80,000 bytes), counted as `_media`
    counts an ad's: toward its hearing, never a verified stream."""
    count = book.count(user="fan", track="spot", rendition="mp3-128", size=AD_MS, duration_ms=AD_MS, now=lambda: T0)
    body = (b"\0" * 80_000 for _ in range(blocks))
    return counted_transcode(
        body, taps=lambda: None, kbps=128, offset_ms=0, duration_ms=AD_MS, verifying=(count, lambda _found: None)
    )


def test_an_ad_transcode_the_app_hung_up_on_is_not_heard(nodes: tuple[AdAudio, AdAudio]) -> None:
    a, b = nodes
    partial = _ad_transcode(a, 3)
    next(partial)  # the app read the first 5 s and hung up
    partial.close()
    assert not _heard(b, T0)
    assert sum(len(block) for block in _ad_transcode(a, 3)) == 240_000  # all of it, another time
    assert _heard(b, T0)


def test_an_ad_sent_whole_counts_only_once_its_length_passed_since_its_first_byte(
    nodes: tuple[AdAudio, AdAudio],
) -> None:
    """The probe of session 15: behind the generated nginx, the socket buffers took the whole ad for a client
    that read only the headers and hung up, and its `played` report two seconds later counted (the break had been
    handed out 16.5 s before). The ad's length must pass since the first byte sent, less its last second and the
    nodes' clock allowance (3 s in all for this 15 s ad)."""
    a, b = nodes
    first = T0 + timedelta(seconds=16, milliseconds=500)
    _send(a, first, 0, SIZE)
    assert not _heard(b, T0, now=first + timedelta(seconds=2))
    assert not _heard(b, T0, now=first + timedelta(milliseconds=AD_MS - 3001))
    assert _heard(b, T0, now=first + timedelta(milliseconds=AD_MS - 3000))


def test_a_resumed_hearing_counts_its_length_from_its_first_byte(nodes: tuple[AdAudio, AdAudio]) -> None:
    """A reload mid-ad resumes the hearing: its length is counted from the first half's first byte."""
    a, b = nodes
    _send(a, T0, 0, SIZE // 2)
    _send(b, T0 + timedelta(seconds=8), SIZE // 2, SIZE)
    assert _heard(a, T0, now=T0 + timedelta(seconds=12))
