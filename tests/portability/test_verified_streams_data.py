"""Verified streams are the listener's data and a label's financial record at once: the export shows the
listener theirs (public ids and times only); forgetting history de-identifies them (user_id NULL) rather than
deleting them, so a label's streams and a closed royalty statement do not move."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encore import labels, portability
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, submit_listens
from encore.playback import Verified, VerifiedStream, record_verified_stream
from encore.state import MemoryState
from tests.catalog import factories as f

MONTH_START = datetime(2024, 3, 1, tzinfo=UTC)
TERMS = labels.Terms(payout_share_pct=70, currency="EUR")


def _world(container: Container) -> tuple[int, int, str, str]:
    """A listener with two verified streams (of two tracks) and the plays they reported; another listener
    with one. Returns (listener id, admin id, first track's public id, second track's public id)."""
    with transaction(container.sessions) as s:
        me = create_user(s, username="listener", password="listener-pass-1")
        them = create_user(s, username="other", password="listener-pass-1")
        admin = create_user(s, username="admin", password="listener-pass-1")
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band, on=f.label(s, "Ours"))
        one = f.track(s, "One", album, [band], number=1, duration_ms=60_000)
        two = f.track(s, "Two", album, [band], number=2, duration_ms=60_000)
        for user, track, at in (
            (me, one, MONTH_START + timedelta(days=2)),
            (me, two, MONTH_START + timedelta(days=3)),
            (them, one, MONTH_START + timedelta(days=4)),
        ):
            key = f"{track.public_id}:{at.timestamp()}"
            assert record_verified_stream(s, verified=Verified(user.public_id, track.public_id, key, at, 45_000))
            listen = ListenIn(listened_at=at, artist_name="Band", track_name=track.title, duration_ms=60_000)
            submit_listens(s, user_id=user.id, now=at + timedelta(minutes=1), source="import", listens=[listen])
        return me.id, admin.id, one.public_id, two.public_id


def _export(container: Container, user_id: int) -> zipfile.ZipFile:
    out = io.BytesIO()
    with container.sessions() as s:
        portability.export_account(s, user_id=user_id, out=out, now=datetime.now(UTC))
    return zipfile.ZipFile(out)


def _rows(container: Container) -> list[tuple[int | None, int]]:
    with container.sessions() as s:
        rows = s.execute(select(VerifiedStream.user_id, VerifiedStream.track_id)).all()
        return sorted(((user, track) for user, track in rows), key=lambda r: (r[0] or 0, r[1]))


def test_the_export_lists_the_listeners_own_verified_streams_by_public_id(container: Container) -> None:
    me, _admin, one, two = _world(container)
    z = _export(container, me)
    streams = json.loads(z.read("verified_streams.json"))
    assert [(v["track"], v["audio_ms"]) for v in streams] == [(one, 45_000), (two, 45_000)]  # not the other's
    assert set(streams[0]) == {"track", "first_byte_at", "audio_ms"}  # no internal ids, no play keys
    assert datetime.fromisoformat(streams[0]["first_byte_at"]) == MONTH_START + timedelta(days=2)
    assert z.read("verified_streams.csv").decode().splitlines()[0] == "track,first_byte_at,audio_ms"


def test_forgetting_everything_keeps_the_financial_record_but_not_the_listeners_name(container: Container) -> None:
    me, admin, _one, _two = _world(container)
    now = MONTH_START + timedelta(days=40)
    with transaction(container.sessions) as s:
        closed = labels.close_month(s, month="2024-03", terms=TERMS, admin_id=admin, now=now)
    assert closed.streams == 3
    portability.forget_range(container.sessions, user_id=me, since=None, until=now)
    rows = _rows(container)
    assert len(rows) == 3 and sum(1 for user, _ in rows if user is None) == 2  # kept, de-identified
    assert json.loads(_export(container, me).read("verified_streams.json")) == []
    with container.sessions() as s:
        again = labels.statement(s, month="2024-03", terms=TERMS, now=now, state=MemoryState())
        assert again == closed  # a closed statement never changes
        recomputed = labels.compute_month(s, month="2024-03", terms=TERMS)
        assert recomputed.streams == 3  # and the month's record still counts every stream
        assert sum(line.streams for line in recomputed.lines) == 3


def test_forgetting_one_play_de_identifies_only_that_plays_verified_stream(container: Container) -> None:
    me, _admin, one, two = _world(container)
    with container.sessions() as s:
        play_id = s.scalar(
            select(Play.client_play_id).where(Play.user_id == me, Play.started_at == MONTH_START + timedelta(days=3))
        )
    assert play_id is not None
    with transaction(container.sessions) as s:
        portability.forget_play(s, jobs=container.jobs, user_id=me, play_id=play_id)
    streams = json.loads(_export(container, me).read("verified_streams.json"))
    assert [v["track"] for v in streams] == [one]  # the forgotten play's stream (track two) no longer names me
    assert two not in {v["track"] for v in streams}
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VerifiedStream)) == 3
