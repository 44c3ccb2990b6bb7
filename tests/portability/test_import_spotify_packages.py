"""One Spotify play imported from both of Spotify's packages (basic: `endTime` to the minute; extended: `ts` to
the second) is one listen, in either order, and stays one when either file is imported again; two separate
plays of one short track ending in the same minute stay two (review24 F5)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.portability import import_history

BASIC, EXTENDED = "StreamingHistory_music_0.json", "Streaming_History_Audio_2021.json"


def _extended(ts: str, ms: int, track: str = "Song") -> dict[str, Any]:
    return {"ts": ts, "ms_played": ms, "master_metadata_track_name": track, "incognito_mode": False,
            "master_metadata_album_artist_name": "Band", "master_metadata_album_album_name": "Album",
            "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC"}  # fmt: skip


def _basic(end: str, ms: int, track: str = "Song") -> dict[str, Any]:
    return {"endTime": end, "artistName": "Band", "trackName": track, "msPlayed": ms}


def _import(container: Container, tmp_path: Path, user_id: int, name: str, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(rows))
    import_history(container.sessions, user_id=user_id, path=path, name=name, now=datetime.now(UTC))


def _listens(container: Container, user_id: int) -> list[tuple[str, str]]:
    with container.sessions() as s:
        query = select(Play.started_at, Play.track_name).where(
            Play.user_id == user_id, Play.is_listen.is_(True), history.visible()
        )
        return sorted((f"{at:%H:%M:%S}", str(track)) for at, track in s.execute(query))


def _user(container: Container) -> int:
    with transaction(container.sessions) as s:
        return create_user(s, username="both", password="listener-pass-1").id


# One play (ended 10:03:20, 200 s), a second play of a 45 s track ending in the same minute as another play of
# it, and a play of another track ending in that minute too
EXTENDED_ROWS = [
    _extended("2021-03-01T10:03:20Z", 200_000),
    _extended("2021-03-01T11:00:10Z", 45_000, "Short"),
    _extended("2021-03-01T11:00:58Z", 40_000, "Short"),
    _extended("2021-03-01T11:00:30Z", 90_000, "Other"),
]
BASIC_ROWS = [
    _basic("2021-03-01 10:03", 200_000),
    _basic("2021-03-01 11:00", 45_000, "Short"),
    _basic("2021-03-01 11:00", 40_000, "Short"),
    _basic("2021-03-01 11:00", 90_000, "Other"),
]


@pytest.mark.parametrize("first", [EXTENDED, BASIC])
def test_a_play_in_both_packages_is_one_listen_in_either_order(
    container: Container, tmp_path: Path, first: str
) -> None:
    uid = _user(container)
    files = [(EXTENDED, EXTENDED_ROWS), (BASIC, BASIC_ROWS)]
    if first == BASIC:
        files.reverse()
    for name, rows in files:
        _import(container, tmp_path, uid, name, rows)
    listens = _listens(container, uid)
    assert [track for _, track in listens].count("Song") == 1
    assert [track for _, track in listens].count("Short") == 2  # two plays ending in one minute stay two
    assert [track for _, track in listens].count("Other") == 1
    assert len(listens) == 4
    for name, rows in files:  # either file again adds nothing
        _import(container, tmp_path, uid, name, rows)
    assert _listens(container, uid) == listens


def test_a_play_only_one_package_holds_is_kept(container: Container, tmp_path: Path) -> None:
    uid = _user(container)
    _import(container, tmp_path, uid, EXTENDED, [_extended("2021-03-01T10:03:20Z", 200_000)])
    # its copy, and a play of the same track ending the next minute: another play, kept
    _import(container, tmp_path, uid, BASIC, [_basic("2021-03-01 10:03", 200_000), _basic("2021-03-01 10:07", 200_000)])
    assert _listens(container, uid) == [("10:00:00", "Song"), ("10:03:40", "Song")]
