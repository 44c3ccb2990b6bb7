"""The ad clock charges what the server sent: a track costs the larger of its wall time and its audio sent."""

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from encore import billing, playback
from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import AdClockBook, AdClockRow
from encore.playback._clockbook import MAX_OPEN_PLAYS
from encore.playback._served import MAX_SPANS, PROBE_BYTES, add_span, covered, heard_ms, index_probe, pace_decision
from tests.playback.test_clockbook import _world, hear_ad

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ME = "u" * 22
SIZE = 1_000_000  # bytes of each song's file; every song lasts 600 s


def _ask(container: Container, book: AdClockBook, user_id: int, track: str, at: datetime) -> str:
    with transaction(container.sessions) as s:
        return playback.next_stream_decision(
            s, user_id=user_id, user_public_id=ME, track_id=track, interval_s=60, now=at, clocks=book
        ).reason


def _send(book: AdClockBook, track: str, start: int, end: int, rendition: str = "vorbis160") -> None:
    tap = book.tap(ME, track, interval_s=60)
    assert tap is not None
    try:
        for block in range(start, end, 65_536):
            tap.served(rendition, SIZE, block, min(end, block + 65_536))
    finally:
        tap.close()


def _listened(container: Container, book: AdClockBook, user_id: int) -> int:
    with container.sessions() as s:
        return book.move(s, user_id, lambda state: (state, state.listened_ms))


def test_spans_merge_into_a_union() -> None:
    spans = add_span((), 0, 100)
    spans = add_span(spans, 900, 1000)  # a browser reads the end of an Ogg file for its length
    assert spans == ((0, 100), (900, 1000)) and covered(spans) == 200
    spans = add_span(spans, 50, 120)  # overlapping ranges count once
    spans = add_span(spans, 120, 900)  # touching ranges merge
    assert spans == ((0, 1000),)
    assert add_span(spans, 5, 5) == spans  # an empty range adds nothing


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=30))
def test_the_union_covers_exactly_the_bytes_sent(ranges: list[tuple[int, int]]) -> None:
    spans: tuple[tuple[int, int], ...] = ()
    sent: set[int] = set()
    for a, b in ranges:
        spans = add_span(spans, a, b)
        sent.update(range(a, b))
    assert covered(spans) == len(sent)
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(spans))  # sorted, disjoint, apart


def test_heard_is_the_share_sent_capped_at_one_play() -> None:
    assert heard_ms({"vorbis160": (1000, ((0, 250),))}, 200_000) == 50_000
    # Halves of two renditions are the whole track; all of both is still one play.
    assert heard_ms({"vorbis160": (1000, ((0, 500),)), "opus96": (600, ((300, 600),))}, 200_000) == 200_000
    assert heard_ms({"vorbis160": (1000, ((0, 1000),)), "opus96": (600, ((0, 600),))}, 200_000) == 200_000
    assert heard_ms({"vorbis160": (0, ())}, 200_000) == 0


def test_asking_for_a_short_track_at_once_does_not_make_the_long_one_free(container: Container) -> None:
    """The dodge the wall clock alone allowed: ask for song 1 a second after song 0, then play all of song 0."""
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=1)) == "ad_not_due"
    _send(book, songs[0], 0, SIZE)  # the whole ten minutes of song 0, fetched on its old URL
    assert _listened(container, book, user_id) >= 600_000
    assert _ask(container, book, user_id, songs[2], NOW + timedelta(seconds=2)) == "ad_break_due"


def test_listening_through_is_charged_once_not_twice(container: Container) -> None:
    """Bytes and wall time describe the same listening: a song sent whole and played for its length costs
    its length, whichever comes first."""
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    _send(book, songs[0], 0, SIZE // 2)
    _send(book, songs[0], SIZE - 4096, SIZE)  # the duration probe at the end
    _send(book, songs[0], SIZE // 2 - 4096, SIZE - 4096)  # overlaps what was sent: counted once
    with transaction(container.sessions) as s:
        book.write_behind(s)
    at = NOW + timedelta(seconds=600)
    with container.sessions() as s:
        total = book.move(s, user_id, lambda state: (state, state.total_ms(at)))
    assert total == 600_000


def test_a_skip_costs_the_larger_of_wall_time_and_audio_sent(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    _send(book, songs[0], 0, SIZE // 20)  # 30 s of audio read ahead...
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=10)) == "ad_not_due"  # ...skipped at 10 s
    assert _listened(container, book, user_id) == 30_000
    _send(book, songs[0], 0, SIZE // 10)  # later, more of the skipped song: charged beyond what it already cost
    assert _listened(container, book, user_id) == 60_000


def test_wall_time_beyond_the_audio_sent_still_counts(container: Container) -> None:
    """Audio Encore did not send (an edge server, a cache) is still charged by wall time, as before."""
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    _send(book, songs[0], 0, SIZE // 60)  # 10 s sent
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=45)) == "ad_not_due"
    assert _listened(container, book, user_id) == 45_000
    _send(book, songs[0], 0, SIZE // 60 * 4)  # 40 s sent in all: still under the 45 s already charged
    assert _listened(container, book, user_id) == 45_000


def test_the_audio_charged_is_stored_so_a_restart_does_not_count_it_twice(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=0)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    _send(book, songs[0], 0, SIZE // 20)  # 30 s
    with transaction(container.sessions) as s:
        book.write_behind(s)
    with container.sessions() as s:
        row = s.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id))
        assert row is not None and (row.listened_ms, row.last_served_ms) == (30_000, 30_000)
    restarted = AdClockBook()
    at = NOW + timedelta(seconds=40)
    with container.sessions() as s:
        assert restarted.move(s, user_id, lambda state: (state, state.total_ms(at))) == 40_000  # not 70 s


def test_only_open_plays_of_free_listeners_are_tapped(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook()
    assert book.tap(ME, songs[0], interval_s=60) is None  # no URL issued yet
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    assert book.tap(ME, songs[1], interval_s=60) is None
    assert book.tap("v" * 22, songs[0], interval_s=60) is None  # someone else's URL names someone else
    tap = book.tap(ME, songs[0], interval_s=60)
    assert tap is not None
    tap.close()


def test_an_ad_resets_the_clock_but_audio_sent_after_it_is_charged(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    at = NOW + timedelta(seconds=61)
    assert _ask(container, book, user_id, songs[1], at) == "ad_break_due"
    assert hear_ad(container, book, user_id, at) == "counted"
    assert _listened(container, book, user_id) == 0
    _send(book, songs[0], 0, SIZE)  # song 0, held from before the ad: 76 s of it were charged then
    assert _listened(container, book, user_id) == 600_000 - 76_000


def test_a_listener_holding_too_many_urls_is_charged_for_the_oldest(container: Container) -> None:
    user_id, _songs = _world(container)
    book = AdClockBook()
    with transaction(container.sessions) as s:
        for i in range(MAX_OPEN_PLAYS + 1):  # each under a name of its own, as distinct tracks would be
            book.move(
                s,
                user_id,
                lambda state, i=i: (state.charged(track_id=i, duration_ms=1_000, now=NOW), None),
                names=playback.PlayNames(ME, f"t{i}", i),
            )
    assert _listened(container, book, user_id) == 1_000  # the first play, forgotten, costs its full length
    assert book.tap(ME, "t0", interval_s=60) is None
    newest = book.tap(ME, f"t{MAX_OPEN_PLAYS}", interval_s=60)
    assert newest is not None
    newest.close()


def test_scattered_tiny_ranges_cannot_grow_the_span_list_without_bound() -> None:
    spans: tuple[tuple[int, int], ...] = ()
    for i in range(2000):
        spans = add_span(spans, i * 10, i * 10 + 1)
    assert len(spans) <= MAX_SPANS
    assert covered(spans) >= 2000  # closing gaps only ever counts more than was sent


def _gate(book: AdClockBook, track: str) -> bool:
    """Whether a new response for `track` may start now: the byte path's atomic gate (`PlayTap.acharge` with
    `gate`), asked with an empty first block so that asking charges nothing."""
    tap = asyncio.run(book.atap(ME, track, interval_s=60))
    assert tap is not None
    return not asyncio.run(tap.acharge("vorbis160", SIZE, 0, 0, gate=True, pace=None)).refused


def test_while_an_ad_is_owed_only_the_last_two_plays_may_send(container: Container) -> None:
    """URLs collected while the clock was low cannot be spent instead of the ad: once it is owed, only the
    track playing and the one prefetched after it may send more."""
    user_id, songs = _world(container)
    book = AdClockBook()
    for i, song in enumerate(songs):
        assert _ask(container, book, user_id, song, NOW + timedelta(milliseconds=i)) == "ad_not_due"
    charged = book.charged_plays(user_id)
    assert [_gate(book, song) for song in songs] == [True, True, True]
    assert book.charged_plays(user_id) == charged  # asking the gate charged nothing
    oldest = book.tap(ME, songs[0], interval_s=60)
    assert oldest is not None
    assert oldest.served("vorbis160", SIZE, 0, SIZE // 20) is True  # 30 s: under the 60 s interval
    assert oldest.served("vorbis160", SIZE, SIZE // 20, SIZE // 5) is False  # 120 s: now it must stop
    oldest.close()
    assert [_gate(book, song) for song in songs] == [False, True, True]
    refused = asyncio.run(book.atap(ME, songs[0], interval_s=60))
    assert refused is not None
    charged = book.charged_plays(user_id)
    assert asyncio.run(refused.acharge("vorbis160", SIZE, SIZE // 5, SIZE // 2, gate=True, pace=None)).refused
    assert book.charged_plays(user_id) == charged  # a refused first block is charged nothing


def test_the_track_playing_before_a_restart_is_counted_when_asked_for_again(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=0)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    with transaction(container.sessions) as s:
        book.write_behind(s)
    restarted = AdClockBook()
    assert restarted.tap(ME, songs[0], interval_s=60) is None  # its URL is from before the restart
    assert _ask(container, restarted, user_id, songs[0], NOW + timedelta(seconds=5)) == "same_play"
    _send(restarted, songs[0], 0, SIZE)
    assert _listened(container, restarted, user_id) == 600_000


def test_after_an_upgrade_urls_from_the_free_period_cost_no_ad_time(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook()
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    with transaction(container.sessions) as s:
        public_id = s.scalar(select(User.public_id).where(User.id == user_id))
        assert public_id is not None
        billing.grant_premium(s, user_public_id=public_id, plan="premium", days=30, now=NOW)
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=1)) == "premium_no_ads"
    assert book.tap(ME, songs[0], interval_s=60) is None


def test_pacing_holds_a_free_play_to_a_burst_then_twice_real_time() -> None:
    def wait_ms(heard_ms: int, elapsed_ms: int, speed: float = 2.0) -> int:
        return pace_decision(heard_ms=heard_ms, since_url_us=elapsed_ms * 1000, burst_ms=12_000, speed=speed).wait_ms

    assert wait_ms(10_000, 0) == 0  # inside the burst
    assert wait_ms(22_000, 5_000) == 0  # 12 + 2 x 5
    assert wait_ms(26_000, 5_000) == 2_000
    assert wait_ms(600_000, 0, speed=0) == 0  # pacing off


def test_only_a_files_tail_is_an_index_probe() -> None:
    size = 4 * 1024 * 1024
    assert index_probe(size - PROBE_BYTES, size) and index_probe(size - 1, size)
    assert not index_probe(size - PROBE_BYTES - 1, size) and not index_probe(0, size)
    assert not index_probe(99_999, 200_000) and index_probe(100_000, 200_000)  # never the first half
    assert not index_probe(0, 0)
