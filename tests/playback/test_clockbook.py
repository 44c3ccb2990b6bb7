"""The in-memory ad clock: no database write per music URL, yet an owed ad survives a restart."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from encore import playback
from encore.accounts import User, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import AdClockBook, AdClockRow
from tests.catalog import factories as f
from tests.support.ads import campaign

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _world(container: Container) -> tuple[int, list[str]]:
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password="listener-pass-1")
        band = f.artist(s, "Band")
        album = f.album(s, "Songs", band)
        songs = [f.track(s, f"Song {i}", album, [band], number=i, duration_ms=600_000) for i in range(3)]
        ad_artist = f.artist(s, "Acme Ads")
        ad = f.spot(s, "Spot", f.album(s, "Acme", ad_artist), [ad_artist], duration_ms=15_000)
        campaign(s, track_id=ad.public_id, now=NOW, budget=100, freq_cap_per_day=10)
        return user.id, [t.public_id for t in songs]


def _ask(container: Container, book: AdClockBook, user_id: int, track: str, at: datetime) -> str:
    with transaction(container.sessions) as s:
        return playback.next_stream_decision(
            s, user_id=user_id, user_public_id="u" * 22, track_id=track, interval_s=60, now=at, clocks=book
        ).reason


def hear_ad(container: Container, book: AdClockBook, user_id: int, at: datetime) -> str:
    """The listener's ad break, handed out at `at` and played through its 15 s."""
    with transaction(container.sessions) as s:
        brk = playback.start_ad_break(s, user_id=user_id, interval_s=60, now=at, clocks=book)
        listener = s.scalar(select(User.public_id).where(User.id == user_id))
    assert listener is not None
    sent = book.ad_audio.count(
        user=listener, track=brk.track_public_id, rendition="vorbis160", size=1000, duration_ms=15_000, now=lambda: at
    )
    sent.sent_now(0, 1000)  # the whole ad, by the byte path
    with transaction(container.sessions) as s:
        done = playback.complete_ad_break(
            s, user_id=user_id, break_id=brk.break_id, now=at + timedelta(seconds=15), clocks=book
        )
    return done.reason


def _stored(container: Container, user_id: int) -> AdClockRow | None:
    with container.sessions() as s:
        return s.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id))


def test_music_urls_do_not_write_until_the_flush(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=3600)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=20)) == "ad_not_due"
    assert _stored(container, user_id) is None  # charged in memory only
    eager = AdClockBook(flush_every_s=0)
    assert _ask(container, eager, user_id, songs[0], NOW) == "ad_not_due"
    assert _ask(container, eager, user_id, songs[1], NOW + timedelta(seconds=20)) == "ad_not_due"
    row = _stored(container, user_id)
    assert row is not None and row.listened_ms == 20_000 and row.last_issued_at == NOW + timedelta(seconds=20)


def test_an_owed_ad_is_written_at_once_and_survives_a_restart(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=3600)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    assert _ask(container, book, user_id, songs[1], NOW + timedelta(seconds=61)) == "ad_break_due"
    restarted = AdClockBook(flush_every_s=3600)  # a new process starts from the stored clock
    assert _ask(container, restarted, user_id, songs[2], NOW + timedelta(seconds=62)) == "ad_break_due"


def test_the_ad_played_resets_the_clock_in_memory_and_on_disk(container: Container) -> None:
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=3600)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"
    at = NOW + timedelta(seconds=61)
    assert _ask(container, book, user_id, songs[1], at) == "ad_break_due"
    assert hear_ad(container, book, user_id, at) == "counted"
    assert _ask(container, book, user_id, songs[1], at + timedelta(seconds=16)) == "ad_not_due"
    row = _stored(container, user_id)
    assert row is not None and row.listened_ms == 0 and row.last_ad_at == at + timedelta(seconds=15)


def test_clock_moves_of_a_rolled_back_request_are_written_by_a_later_one(container: Container) -> None:
    """A request that moved the clock (and wrote it) but then failed rolls its transaction back; the move
    stays pending in the book and the next write carries it, instead of being marked written and lost."""
    user_id, songs = _world(container)
    book = AdClockBook(flush_every_s=0)

    def failing_request() -> None:
        with transaction(container.sessions) as s:
            playback.next_stream_decision(
                s, user_id=user_id, user_public_id="u" * 22, track_id=songs[0], interval_s=60, now=NOW, clocks=book
            )
            raise RuntimeError("the request failed after the decision")

    with pytest.raises(RuntimeError):
        failing_request()
    assert _stored(container, user_id) is None  # rolled back with the request
    with transaction(container.sessions) as s:
        book.write_behind(s)
    row = _stored(container, user_id)
    assert row is not None and row.last_issued_at == NOW and row.last_duration_ms == 600_000


def test_a_deleted_listeners_queued_clock_neither_fails_another_request_nor_drops_the_queue(
    container: Container,
) -> None:
    """review17: a free listener streams, then deletes the account; the next write-behind (in another listener's
    request) inserted the deleted listener's clock row, failed on its key (a 500), and had already taken the whole
    batch off the queue, so the other listeners' dirty clocks were never written behind again."""
    user_id, songs = _world(container)
    with transaction(container.sessions) as s:
        other = create_user(s, username="other", password="other-pass-12").id
    book = AdClockBook(flush_every_s=3600)
    assert _ask(container, book, user_id, songs[0], NOW) == "ad_not_due"  # dirty, not yet written
    assert _ask(container, book, other, songs[0], NOW) == "ad_not_due"
    with transaction(container.sessions) as s:  # what the accounts.erase job ends with
        s.execute(delete(User).where(User.id == user_id))
    book._next_flush = 0  # the flush period has passed
    assert _ask(container, book, other, songs[1], NOW + timedelta(seconds=20)) == "ad_not_due"
    row = _stored(container, other)
    assert row is not None and row.last_issued_at is not None  # written behind
    assert _stored(container, user_id) is None
