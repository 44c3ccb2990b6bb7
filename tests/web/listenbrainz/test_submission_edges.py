"""ListenBrainz submissions from issue #17's list: the same listen twice in one request, listens of tracks
the catalogue does not hold, and a full 1,000-listen import beside the refused 1,001."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play, match_listens
from tests.catalog import factories as f
from tests.web.listenbrainz.test_hostile import NOW_TS, _doc, _listen, client

__all__ = ["client"]  # the fixture: a listener with a ListenBrainz token


def _plays(container: Container) -> list[Play]:
    with container.sessions() as s:
        return list(s.scalars(select(Play).order_by(Play.started_at)))


def test_the_same_listen_twice_in_one_request_is_one_listen(client: TestClient, container: Container) -> None:
    same = _listen(ts=NOW_TS - 600, artist_name="Band", track_name="Song")
    folded = _listen(ts=NOW_TS - 600, artist_name="  BAND ", track_name="song")  # the same, as another app spells it
    other = _listen(ts=NOW_TS - 300, artist_name="Band", track_name="Song")
    r = client.post("/1/submit-listens", content=_doc("import", same, same, folded, other))
    assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
    assert len(_plays(container)) == 2
    again = client.post("/1/submit-listens", content=_doc("import", other, same))  # a retry of the same batch
    assert again.status_code == 200 and len(_plays(container)) == 2
    listens = client.get("/1/user/hostile/listens").json()["payload"]
    assert listens["count"] == 2


def test_listens_of_unknown_tracks_are_kept_by_text_and_matched_when_the_track_arrives(
    client: TestClient, container: Container
) -> None:
    body = _doc("single", _listen(ts=NOW_TS - 60, artist_name="Nobody Known", track_name="Not Here Yet"))
    assert client.post("/1/submit-listens", content=body).status_code == 200
    [play] = _plays(container)
    assert play.track_id is None and play.is_listen and play.track_name == "Not Here Yet"
    listen = client.get("/1/user/hostile/listens").json()["payload"]["listens"][0]
    assert listen["track_metadata"]["track_name"] == "Not Here Yet"
    with transaction(container.sessions) as s:  # the track is ingested later
        artist = f.artist(s, "Nobody Known")
        track_id = f.track(s, "Not Here Yet", f.album(s, "Debut", artist), [artist]).id
        assert match_listens(s) == 1
    [play] = _plays(container)
    assert play.track_id == track_id


def test_a_thousand_listens_are_taken_and_one_more_is_refused_whole(client: TestClient, container: Container) -> None:
    base = int(datetime(2024, 6, 1, tzinfo=UTC).timestamp())
    full = [_listen(ts=base + 60 * i, track_name=f"T{i}") for i in range(1000)]
    assert client.post("/1/submit-listens", content=_doc("import", *full)).status_code == 200
    over = [_listen(ts=base - 60 * (i + 1), track_name=f"U{i}") for i in range(1001)]
    r = client.post("/1/submit-listens", content=_doc("import", *over))
    assert r.status_code == 400 and "Too many listens" in r.json()["error"]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 1000


def test_an_isrc_in_other_digits_is_not_kept(client: TestClient, container: Container) -> None:
    """`\\d` matched fullwidth digits: such an ISRC was stored and could never match the catalogue's."""
    odd = _listen(ts=NOW_TS - 600, track_name="Odd", additional_info={"isrc": "GBAAA２４00001"})
    good = _listen(ts=NOW_TS - 300, track_name="Good", additional_info={"isrc": "gbaaa2400001"})
    assert client.post("/1/submit-listens", content=_doc("import", odd, good)).status_code == 200
    assert [(p.track_name, p.isrc) for p in _plays(container)] == [("Odd", None), ("Good", "GBAAA2400001")]


def test_an_import_through_the_api_keeps_the_ids_earlier_versions_gave(
    client: TestClient, container: Container
) -> None:
    """A re-import of the same file changes nothing across versions: the listen's id (from the second the parse
    now carries, not from its datetime) and its stored time are those pinned in tests/history/test_import_rows.py
    (made by the code before migrations import8_1 and import13_1); "single" and "import" alike."""
    ts = 1_682_935_200  # 2023-05-01 10:00:00 UTC
    listens = [
        _listen(ts=ts, artist_name="Band", track_name="Song"),
        _listen(ts=ts + 1, artist_name="B", track_name="S"),
    ]
    assert client.post("/1/submit-listens", content=_doc("import", *listens)).status_code == 200
    assert client.post("/1/submit-listens", content=_doc("single", listens[0])).status_code == 200
    plays = _plays(container)
    assert [(p.client_play_id, p.started_at) for p in plays[:1]] == [
        ("lb-644f8da074c0f6761891f469", datetime(2023, 5, 1, 10, tzinfo=UTC))
    ]
    assert len(plays) == 2 and plays[1].client_play_id.startswith(f"lb-{ts + 1:08x}")
