"""Forgetting a range or everything de-identifies its verified streams in bounded chunks, each its own
transaction, renewing the job's lease as it goes (review24 F8: 300,000 streams took one 2.9 s UPDATE, holding
SQLite's write lock and no lease renewal)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import VerifiedStream
from encore.portability import _forget
from tests.catalog import factories as f

START = datetime(2024, 1, 1, tzinfo=UTC)


def _row(user_id: int, track_id: int, key: str, at: datetime) -> dict[str, object]:
    return {"user_id": user_id, "track_id": track_id, "play_key": key, "first_byte_at": at, "audio_ms": 40_000}


def _named(container: Container, user_id: int) -> int:
    with container.sessions() as s:  # its own connection: sees only what was committed
        return int(s.scalar(select(func.count()).where(VerifiedStream.user_id == user_id)) or 0)


def test_a_forget_de_identifies_in_committed_chunks_and_reports_between_them(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_forget, "DEIDENTIFY_CHUNK", 10)
    with transaction(container.sessions) as s:
        me = create_user(s, username="heavy", password="listener-pass-1").id
        other = create_user(s, username="other", password="listener-pass-1").id
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band]).id
        counts = ((me, 35), (other, 5))
        rows = [_row(user, track, f"{user}:{i}", START + timedelta(hours=i)) for user, n in counts for i in range(n)]
        s.execute(insert(VerifiedStream), rows)
    seen: list[int] = []
    _forget.forget_range(
        container.sessions, user_id=me, since=None, until=START + timedelta(days=30),
        progress=lambda _deleted: seen.append(_named(container, me)),
    )  # fmt: skip
    assert seen == [25, 15, 5]  # each chunk committed on its own, the lease renewed before the next
    assert _named(container, me) == 0
    assert _named(container, other) == 5  # another listener's streams are not touched


def test_a_range_forget_in_chunks_stays_within_its_range(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_forget, "DEIDENTIFY_CHUNK", 3)
    with transaction(container.sessions) as s:
        me = create_user(s, username="heavy", password="listener-pass-1").id
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band]).id
        rows = [_row(me, track, f"k{i}", START + timedelta(days=i)) for i in range(20)]
        s.execute(insert(VerifiedStream), rows)
    _forget.forget_range(
        container.sessions, user_id=me, since=START + timedelta(days=5), until=START + timedelta(days=14)
    )
    with container.sessions() as s:
        named = s.scalars(select(VerifiedStream.first_byte_at).where(VerifiedStream.user_id == me)).all()
    assert sorted((at - START).days for at in named) == [0, 1, 2, 3, 4, 14, 15, 16, 17, 18, 19]
