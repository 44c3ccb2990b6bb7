"""Encore's own export, imported by Encore (review20 F3): a listener moving to another Encore server, or
restoring, uploads the zip the History page gave them. Its listens feed history and Wrapped, never money."""

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import labels, portability
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, PlayReport, report_play, submit_listens
from encore.playback import Verified, VerifiedStream, record_verified_stream
from encore.state import MemoryState
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.jobs import import_through_job
from tests.web.conftest import PASSWORD, login

MARCH = datetime(2024, 3, 4, 20, 0, tzinfo=UTC)
TERMS = labels.Terms(payout_share_pct=70, currency="EUR")
ISRC = "GBAAA2400001"


class World:
    def __init__(self, mover: int, arriver: int, one: int, two: int, one_public: str, two_public: str) -> None:
        self.mover, self.arriver, self.one, self.two = mover, arriver, one, two
        self.one_public, self.two_public = one_public, two_public


@pytest.fixture
def world(container: Container) -> World:
    """`mover` heard two catalogue tracks in the player (one of them a verified, paid stream) and scrobbled
    one from elsewhere; `arriver` is a fresh account. "One" has an ISRC, "Two" none."""
    with transaction(container.sessions) as s:
        mover = create_user(s, username="mover", password=PASSWORD)
        arriver = create_user(s, username="arriver", password=PASSWORD)
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band, on=f.label(s, "Ours"))
        one = f.track(s, "One", album, [band], number=1, duration_ms=60_000)
        two = f.track(s, "Two", album, [band], number=2, duration_ms=60_000)
        one.isrc = ISRC
        for i, (track, ms) in enumerate(((one, 60_000), (two, 50_000), (two, 3_000))):  # the last is a skip
            at = MARCH + timedelta(minutes=10 * i)
            report = PlayReport(f"player-play-{i:04d}", track.id, 60_000, at, ms, "ended")
            report_play(s, user_id=mover.id, report=report, now=at + timedelta(minutes=2))
        stream = Verified(mover.public_id, one.public_id, "key-1", MARCH + timedelta(seconds=1), 45_000)
        assert record_verified_stream(s, verified=stream)
        elsewhere = ListenIn(listened_at=MARCH + timedelta(hours=1), artist_name="Elsewhere", track_name="Far")
        submit_listens(s, user_id=mover.id, now=MARCH + timedelta(hours=2), source="listenbrainz", listens=[elsewhere])
        return World(mover.id, arriver.id, one.id, two.id, one.public_id, two.public_id)


def _export(container: Container, user_id: int) -> bytes:
    out = io.BytesIO()
    with container.sessions() as s:
        portability.export_account(s, user_id=user_id, out=out, now=datetime.now(UTC))
    return out.getvalue()


def _zip(members: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data if isinstance(data, bytes) else json.dumps(data))
    return buf.getvalue()


def _listens(export: bytes) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(zipfile.ZipFile(io.BytesIO(export)).read("listens.json"))
    return rows


@pytest.fixture
def as_arriver(container: Container, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        login(c, "arriver")
        yield c


def _plays_of(container: Container, user_id: int) -> dict[str, Play]:
    with container.sessions() as s:
        return {p.client_play_id: p for p in s.scalars(select(Play).where(Play.user_id == user_id))}


def _money(container: Container) -> tuple[int, labels.Statement]:
    with container.sessions() as s:
        streams = int(s.scalar(select(func.count()).select_from(VerifiedStream)) or 0)
        return streams, labels.compute_month(s, month="2024-03", terms=TERMS)


def test_the_export_names_what_a_player_play_heard(container: Container, world: World) -> None:
    """A player's play keeps no text of its own: the export gives its track's, so it says what was heard
    and another server can match it (before, artist_name and track_name were null)."""
    rows = {r["client_play_id"]: r for r in _listens(_export(container, world.mover))}
    one = rows["player-play-0000"]
    assert (one["artist_name"], one["track_name"], one["release_name"], one["isrc"]) == ("Band", "One", "LP", ISRC)
    assert one["track"] == world.one_public and one["is_listen"] is True
    assert "player-play-0002" not in rows  # the skip is a play, not a listen
    assert {r["track_name"] for r in rows.values()} == {"One", "Two", "Far"}


def test_an_encore_export_imports_on_another_account_once(
    container: Container, world: World, as_arriver: TestClient
) -> None:
    export = _export(container, world.mover)
    money = _money(container)
    first = import_through_job(as_arriver, container, export, "encore-mover-20240401.zip")
    assert first["status"] == 200, first
    assert (first["rows"], first["imported"], first["duplicates"]) == (3, 3, 0)
    assert first["skipped"] == {"incognito": 0, "short": 0, "not_music": 0}
    plays = {p.track_name: p for p in _plays_of(container, world.arriver).values()}
    assert plays["One"].track_id == world.one and plays["Two"].track_id == world.two  # by ISRC, by text
    assert plays["Far"].track_id is None  # not in this catalogue: kept by text, as any import's
    assert plays["One"].started_at == MARCH and plays["One"].ms_played == 60_000 and plays["One"].is_listen
    assert {p.source for p in plays.values()} == {"import"}
    again = import_through_job(as_arriver, container, export, "encore-mover-20240401.zip")
    assert (again["imported"], again["duplicates"]) == (0, 3)
    assert len(_plays_of(container, world.arriver)) == 3
    assert _money(container) == money  # imports never pay: no verified stream, the month's statement unchanged


def test_restoring_an_export_onto_the_account_that_holds_it_adds_nothing(container: Container, world: World) -> None:
    """A player's play keeps its id through the export, so restoring beside the originals is all duplicates."""
    export = _export(container, world.mover)
    before = set(_plays_of(container, world.mover))
    with TestClient(create_app(container), base_url="http://testserver") as c:
        login(c, "mover")
        report = import_through_job(c, container, export, "encore-mover.zip")
    assert report["status"] == 200 and (report["imported"], report["duplicates"]) == (0, 3), report
    assert set(_plays_of(container, world.mover)) == before


def _row(**change: Any) -> dict[str, Any]:
    row = {
        "client_play_id": "0b6a0c6e-4c1e-4a47-9f5e-6f1f2f7d3a10", "started_at": "2024-03-05T10:00:00+00:00",
        "ms_played": 200_000, "state": "ended", "is_listen": True, "track": "nosuchtrackhere0000000",
        "artist_name": "Band", "track_name": "One", "release_name": "LP", "isrc": None, "context_type": None,
        "context_id": None, "device": None, "shuffle": False, "source": "web",
    }  # fmt: skip
    row.update(change)
    return row


def _without(key: str) -> dict[str, Any]:
    row = _row()
    del row[key]
    return row


HOSTILE = {  # the row, the refusal's code, what its message names (the old code named no Encore field)
    "started_at_a_number": (_row(started_at=1_709_632_800), "wrong_schema", "expected a timestamp"),
    "started_at_not_a_time": (_row(started_at="yesterday"), "wrong_schema", "not a timestamp"),
    "ms_played_text": (_row(ms_played="lots"), "wrong_schema", "ms_played must be"),
    "ms_played_negative": (_row(ms_played=-5), "wrong_schema", "ms_played must be"),
    "is_listen_text": (_row(is_listen="yes"), "wrong_schema", "is_listen must be"),
    "play_id_a_number": (_row(client_play_id=5), "wrong_schema", "client_play_id must be"),
    "play_id_with_a_slash": (_row(client_play_id="../../etc/passwd"), "wrong_schema", "client_play_id must be"),
    "artist_a_list": (_row(artist_name=["Band"]), "wrong_schema", "expected text"),
    "no_track_name": (_without("track_name"), "wrong_schema", "needs track_name"),
    "no_is_listen": (_without("is_listen"), "wrong_schema", "needs is_listen"),
    "no_ms_played": (_without("ms_played"), "wrong_schema", "needs ms_played"),
    "in_the_future": (_row(started_at="2999-01-01T00:00:00+00:00"), "timestamp_in_future", "timestamp refused"),
    "before_2002": (_row(started_at="1999-01-01T00:00:00+00:00"), "timestamp_too_old", "timestamp refused"),
    "nul_in_title": (_row(track_name="On\x00e"), "nul_character", "NUL"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_bad_encore_row_refuses_the_whole_file(
    container: Container, world: World, as_arriver: TestClient, case: str
) -> None:
    bad, code, says = HOSTILE[case]
    good = _row(client_play_id="good-play-0001", started_at="2024-03-05T09:00:00+00:00")
    report = import_through_job(as_arriver, container, _zip({"listens.json": [good, bad]}), "encore.zip")
    assert report["status"] == 400 and report["error"]["code"] == code, report
    assert report["error"]["message"].startswith("listens.json entry 2: ") and says in report["error"]["message"]
    assert _plays_of(container, world.arriver) == {}  # nothing half-written, not even the good row before it


def test_rows_that_name_nothing_or_were_no_listen_are_skipped_as_the_other_formats_skip(
    container: Container, world: World, as_arriver: TestClient
) -> None:
    rows = [
        _row(client_play_id="play-named-01"),
        _row(client_play_id="play-nameless", artist_name=None, track_name=None),  # an export from before text
        _row(client_play_id="play-a-skip-01", is_listen=False, ms_played=4_000),  # plays.json renamed
    ]
    report = import_through_job(as_arriver, container, _zip({"listens.json": rows}), "encore.zip")
    assert report["status"] == 200 and report["imported"] == 1, report
    assert report["skipped"] == {"incognito": 0, "short": 1, "not_music": 1}
    assert set(_plays_of(container, world.arriver)) == {"play-named-01"}


def test_another_servers_track_ids_are_not_read_its_text_is(
    container: Container, world: World, as_arriver: TestClient
) -> None:
    """A public id of the server that wrote the export names no track here, or another one: the row is matched
    by ISRC, then artist and title, as a Spotify or ListenBrainz row is."""
    rows = [
        _row(client_play_id="play-unknown-id", track="aaaaaaaaaaaaaaaaaaaaaa"),  # no such id here: "One" by text
        _row(client_play_id="play-someone-s", track=world.two_public, artist_name="Elsewhere", track_name="Far"),
    ]
    report = import_through_job(as_arriver, container, _zip({"listens.json": rows}), "encore.zip")
    assert report["status"] == 200 and report["imported"] == 2, report
    plays = _plays_of(container, world.arriver)
    assert plays["play-unknown-id"].track_id == world.one
    assert plays["play-someone-s"].track_id is None  # not taken for "Two" because it carried Two's id


def test_a_forged_export_of_plays_never_streamed_fills_history_not_royalties(
    container: Container, world: World, as_arriver: TestClient
) -> None:
    now = datetime(2024, 4, 5, tzinfo=UTC)  # March settled (labels.SETTLEMENT)
    with transaction(container.sessions) as s:
        admin = create_user(s, username="admin", password=PASSWORD)
        closed = labels.close_month(s, month="2024-03", terms=TERMS, admin_id=admin.id, now=now)
    streams, month = _money(container)
    forged = [
        _row(client_play_id=f"forged-{i:06d}", started_at=(MARCH + timedelta(hours=i)).isoformat(),
             track=world.one_public, isrc=ISRC)
        for i in range(200)
    ]  # fmt: skip
    report = import_through_job(as_arriver, container, _zip({"listens.json": forged}), "encore.zip")
    assert report["status"] == 200 and report["imported"] == 200, report
    assert {p.track_id for p in _plays_of(container, world.arriver).values()} == {world.one}  # history has them
    assert _money(container) == (streams, month) and streams == 1  # no verified stream, the month unmoved
    with container.sessions() as s:
        assert labels.statement(s, month="2024-03", terms=TERMS, now=now, state=MemoryState()) == closed


def test_a_zip_with_an_encore_export_and_spotify_files_imports_both(
    container: Container, world: World, as_arriver: TestClient
) -> None:
    """Each file is read by its own rows' shape, as a zip of Spotify and ListenBrainz files is; a listen
    in both (the same second and text, ids made from them) is kept once."""
    encore = [
        _row(client_play_id="player-only-01"),
        _row(client_play_id="lb-0000000000000000000000", started_at="2024-03-06T08:00:00+00:00",
             artist_name="Elsewhere", track_name="Far", ms_played=0),
    ]  # fmt: skip
    spotify = [
        {"ts": "2024-03-06T08:03:20Z", "ms_played": 200_000, "master_metadata_track_name": "Far",
         "master_metadata_album_artist_name": "Elsewhere", "master_metadata_album_album_name": None},
        {"ts": "2024-03-07T08:03:20Z", "ms_played": 200_000, "master_metadata_track_name": "Near",
         "master_metadata_album_artist_name": "Elsewhere", "master_metadata_album_album_name": None},
    ]  # fmt: skip
    body = _zip({"listens.json": encore, "MyData/Streaming_History_Audio_2024.json": spotify})
    report = import_through_job(as_arriver, container, body, "mixed.zip")
    assert report["status"] == 200 and report["rows"] == 4, report
    assert report["imported"] + report["duplicates"] == 4 and report["imported"] == 3
    names = sorted(p.track_name or "" for p in _plays_of(container, world.arriver).values())
    assert names == ["Far", "Near", "One"]
