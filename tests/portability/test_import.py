"""Importing Spotify and ListenBrainz histories through the API: formats, skips, dedupe, hostile files."""

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.kernel import ValidationFailed
from encore.portability import import_history
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.jobs import import_through_job
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


def extended(ts: str, track: str | None = "Song", ms: int = 200_000, **extra: object) -> dict[str, object]:
    return {
        "ts": ts,
        "ms_played": ms,
        "master_metadata_track_name": track,
        "master_metadata_album_artist_name": "Band" if track else None,
        "master_metadata_album_album_name": "Album",
        "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "incognito_mode": False,
        **extra,
    }


SPOTIFY = [
    extended("2023-05-01T10:03:20Z"),
    extended("2023-05-01T10:06:40Z", track="Second"),
    extended("2023-05-01T11:00:00Z", incognito_mode=True),  # skipped: incognito
    extended("2023-05-01T11:05:00Z", track="Skipped", ms=12_000),  # skipped: under 30 s
    extended("2023-05-01T12:00:00Z", track=None),  # a podcast episode
]


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with transaction(container.sessions) as s:
        create_user(s, username="importer", password=PASSWORD)
    with TestClient(create_app(container), base_url="http://testserver") as c:
        login(c, "importer")
        yield c


def _post(client: TestClient, container: Container, body: bytes, filename: str) -> dict[str, Any]:
    """Upload, run the queued job, and answer as the job ended: 200 and its report, or 400 and its error."""
    return import_through_job(client, container, body, filename)


def _count(c: Container) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play)) or 0)


def test_spotify_extended_history_imports_once_and_matches_the_catalogue(
    client: TestClient, container: Container
) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band])
        song_id = track.id
    body = json.dumps(SPOTIFY).encode()
    first = _post(client, container, body, "Streaming_History_Audio_2023.json")
    assert first["status"] == 200 and first["imported"] == 2 and first["rows"] == 5
    assert first["skipped"] == {"incognito": 1, "short": 1, "not_music": 1}
    again = _post(client, container, body, "Streaming_History_Audio_2023.json")
    assert again["imported"] == 0 and again["duplicates"] == 2
    with container.sessions() as s:
        rows = {p.track_name: p for p in s.scalars(select(Play))}
    assert rows["Song"].track_id == song_id and rows["Song"].ms_played == 200_000
    # ts is when the play ended: it started ms_played earlier
    assert rows["Song"].started_at == datetime(2023, 5, 1, 10, 0, tzinfo=UTC)
    assert rows["Second"].track_id is None and rows["Second"].is_listen


def test_basic_history_endsong_and_listenbrainz_export_in_one_zip(client: TestClient, container: Container) -> None:
    basic = [{"endTime": "2022-01-02 03:04", "artistName": "Old", "trackName": "Basic", "msPlayed": 90_000}]
    endsong = [extended("2019-07-07T07:07:07Z", track="Endsong")]
    lb = [{"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "LB", "track_name": "Exported"}}]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("MyData/StreamingHistory_music_0.json", json.dumps(basic))
        z.writestr("MyData/endsong_0.json", json.dumps(endsong))
        z.writestr("lb/listens/2023/11.jsonl", "\n".join(json.dumps(x) for x in lb) + "\n")
        z.writestr("MyData/Userdata.json", json.dumps({"username": "not history"}))  # ignored
    report = _post(client, container, buf.getvalue(), "my_spotify_data.zip")
    assert report["status"] == 200 and report["imported"] == 3, report
    with container.sessions() as s:
        names = sorted(p.track_name or "" for p in s.scalars(select(Play)))
    assert names == ["Basic", "Endsong", "Exported"]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


HOSTILE = {
    "malformed": (b'[{"ts": "2023-05-01T10:00:00Z", "ms_pl', "x.json", "malformed_json"),
    "wrong_schema_object": (b'{"ts": 1}', "x.json", "wrong_schema"),
    "wrong_schema_rows": (json.dumps([{"foo": 1}]).encode(), "x.json", "wrong_schema"),
    "wrong_types": (json.dumps([extended("2023-05-01T10:00:00Z", ms="lots")]).encode(), "x.json", "wrong_schema"),
    "nul_in_text": (json.dumps([extended("2023-05-01T10:00:00Z", track="a\x00b")]).encode(), "x.json", "nul_character"),
    "raw_nul_byte": (b'[{"ts": "2023\x00"}]', "x.json", "malformed_json"),
    # a lone surrogate, which JSON's escapes can carry and no database can store: refused by name, in any field
    "lone_surrogate_lb": (
        b'{"listened_at": 1700000000, "track_metadata": {"artist_name": "a\\ud800", "track_name": "b"}}\n',
        "listens/1.jsonl",
        "lone_surrogate",
    ),
    "lone_surrogate_lb_info": (
        b'{"listened_at": 1700000000, "track_metadata": {"artist_name": "a", "track_name": "b",'
        b' "additional_info": {"note": "\\udfff"}}}\n',
        "listens/1.jsonl",
        "lone_surrogate",
    ),
    "not_utf8": (b"[\xff\xfe]", "x.json", "malformed_json"),
    "from_1970": (json.dumps([*SPOTIFY[:2], extended("1970-01-01T00:10:00Z")]).encode(), "x.json", "timestamp_too_old"),
    "future": (json.dumps([*SPOTIFY[:2], extended("2999-01-01T00:00:00Z")]).encode(), "x.json", "timestamp_in_future"),
    # year 1: its start (ended - ms played) is before any datetime; the job failed as an internal error
    "year_1": (json.dumps([extended("0001-01-01T00:00:00Z")]).encode(), "x.json", "timestamp_too_old"),
    "year_1_basic": (
        json.dumps([{"endTime": "0001-01-01 00:00", "artistName": "a", "trackName": "b", "msPlayed": 90_000}]).encode(),
        "StreamingHistory0.json",
        "timestamp_too_old",
    ),
    "lb_future": (
        b'{"listened_at": 99999999999999, "track_metadata": {"artist_name": "a", "track_name": "b"}}\n',
        "listens/1.jsonl",
        "timestamp_in_future",
    ),
    "zip_without_history": (_zip({"Userdata.json": b"{}"}), "x.zip", "wrong_schema"),
    "zip_bomb": (_zip({"Streaming_History_Audio_0.json": b"[" + b" " * (40 << 20) + b"]"}), "x.zip", "zip_bomb"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_whole(client: TestClient, container: Container, case: str) -> None:
    body, name, code = HOSTILE[case]
    report = _post(client, container, body, name)
    assert report["status"] == 400 and report["error"]["code"] == code, report  # type: ignore[index]
    assert _count(container) == 0  # nothing half-imported, even the good rows before the bad one


def test_two_gigabyte_upload_is_refused(client: TestClient, container: Container, tmp_path: Path) -> None:
    declared = client.post("/api/me/history/import", content=b"[]", headers={**CSRF, "Content-Length": str(2 << 30)})
    # refused by the body limit before the route runs (#15, hole 3)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "body_too_large"
    sparse = tmp_path / "Streaming_History_Audio_big.json"
    with sparse.open("wb") as fh:  # 2 GB on paper, no blocks on disk
        fh.truncate(2 << 30)
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="sparse", password=PASSWORD).id
    with pytest.raises(ValidationFailed) as err:
        import_history(container.sessions, user_id=user_id, path=sparse, name=sparse.name, now=datetime.now(UTC))
    assert err.value.code == "file_too_large"


def test_import_needs_login(container: Container) -> None:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        assert c.post("/api/me/history/import", content=b"[]", headers=CSRF).status_code == 401


def test_a_big_import_writes_in_short_transactions(container: Container, tmp_path: Path) -> None:
    """#15 hole 2: a 10 MB import held SQLite's write lock for 30 s. It now commits every CHUNK listens, so
    other writers wait a chunk at most, never the whole file."""
    from sqlalchemy import event

    from encore.portability._import import CHUNK

    rows = [
        extended(f"2023-05-{1 + i // 3000:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z", track=f"S{i}")
        for i in range(2 * CHUNK + 5)
    ]
    path = tmp_path / "Streaming_History_Audio_big.json"
    path.write_text(json.dumps(rows))
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="big", password=PASSWORD).id
    commits: list[int] = []
    listener = lambda _session: commits.append(1)  # noqa: E731
    event.listen(container.sessions, "after_commit", listener)
    try:
        report = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=datetime.now(UTC))
    finally:
        event.remove(container.sessions, "after_commit", listener)
    assert report.imported == len(rows) and _count(container) == len(rows)
    assert len(commits) >= 3  # at least one commit per chunk of CHUNK listens


def test_a_spotify_file_with_a_lone_surrogate_reads_it_as_a_question_mark_on_both_paths(
    client: TestClient, container: Container
) -> None:
    """A Spotify array's parser (ijson's yajl; orjson's refusal sends such a file to it) reads a lone
    surrogate as "?": the import keeps the listen, and nothing unstorable reaches the database."""
    body = json.dumps([*SPOTIFY[:2], extended("2023-05-01T10:00:00Z", track="x\ud800")]).encode()
    report = _post(client, container, body, "x.json")
    assert report["status"] == 200 and report["imported"] == 3, report
    with container.sessions() as s:
        assert "x?" in {p.track_name for p in s.scalars(select(Play))}


@pytest.mark.parametrize("field", ["master_metadata_track_name", "master_metadata_album_artist_name"])
def test_formats_refuse_a_lone_surrogate_in_a_row(field: str) -> None:
    """Whatever parser hands a lone surrogate on as text, the row's check refuses it by name."""
    from encore.portability._formats import parse_row

    row = {**extended("2023-05-01T10:00:00Z"), field: "x\ud800"}
    with pytest.raises(ValidationFailed) as err:
        parse_row(row, now=datetime.now(UTC), where="row 1")
    assert err.value.code == "lone_surrogate"
    assert parse_row({**row, field: "Émilie"}, now=datetime.now(UTC), where="row 1")  # real accents still pass
