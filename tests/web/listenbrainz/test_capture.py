"""Fast capture (issue #17) keeps today's guarantees: many scrobblers at once through the group commit, each
listen kept once, duplicates in one request dropped, unknown tracks kept by text and matched as soon as
the catalogue has them. On SQLite and PostgreSQL (the `container` fixture runs both)."""

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import catalog
from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.web import create_app
from tests.catalog import factories as f

NOW_TS = int(datetime.now(UTC).timestamp())


@pytest.fixture
def tokens(container: Container) -> list[str]:
    out = []
    with transaction(container.sessions) as s:
        for name in ("ann", "bob"):
            user = create_user(s, username=name, password="listener-pass-1")
            out.append(regenerate_listen_token(s, user_id=user.id, now=container.clock.now()))
    return out


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _listen(ts: int, artist: str, title: str) -> dict[str, object]:
    return {"listened_at": ts, "track_metadata": {"artist_name": artist, "track_name": title}}


def _post(client: TestClient, token: str, listen_type: str, *listens: dict[str, object]) -> int:
    body = json.dumps({"listen_type": listen_type, "payload": list(listens)})
    r = client.post("/1/submit-listens", content=body, headers={"Authorization": f"Token {token}"})
    assert r.json() == {"status": "ok"} or r.status_code != 200, r.text
    return r.status_code


def _kept(container: Container) -> dict[str, int]:
    with transaction(container.sessions) as s:
        rows = s.execute(select(Play.track_name, func.count()).group_by(Play.track_name)).all()
    return {str(name): int(n) for name, n in rows}


def test_many_scrobblers_at_once_each_listen_kept_exactly_once(
    client: TestClient, container: Container, tokens: list[str]
) -> None:
    singles = [(tokens[i % 2], _listen(NOW_TS - 1000 + i, f"Band {i % 5}", f"Single {i}")) for i in range(60)]
    batch = [_listen(NOW_TS - 5000 + i, "Importer", f"Batch {i}") for i in range(300)]

    def send(job: tuple[str, str, list[dict[str, object]]]) -> int:
        token, kind, listens = job
        return _post(client, token, kind, *listens)

    jobs = [(token, "single", [item]) for token, item in singles] + [(tokens[0], "import", batch)]
    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(send, jobs * 2)) == {200}  # every submission twice, concurrently
    kept = _kept(container)
    assert sum(kept.values()) == 60 + 300
    assert set(kept.values()) == {1}


def test_duplicates_in_one_request_are_one_listen(client: TestClient, container: Container, tokens: list[str]) -> None:
    same = [
        _listen(NOW_TS - 60, "Nova", "Late"),
        _listen(NOW_TS - 60, "  NOVA", "late "),
        _listen(NOW_TS - 60, "Nova", "Late"),
    ]
    assert _post(client, tokens[0], "import", *same, _listen(NOW_TS - 30, "Nova", "Early")) == 200
    assert _post(client, tokens[0], "import", *same) == 200  # and again: nothing new
    assert sum(_kept(container).values()) == 2


def test_unknown_tracks_kept_by_text_then_matched_once_the_catalogue_has_them(
    client: TestClient, container: Container, tokens: list[str]
) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Known Band")
        known = f.track(s, "Known Song", f.album(s, "First", band), [band]).id
        catalog.catalogue_changed(s)  # what every catalogue write does (ingest, label edits)
    assert (
        _post(
            client,
            tokens[0],
            "import",
            _listen(NOW_TS - 90, "known band", "KNOWN SONG"),
            _listen(NOW_TS - 80, "Known Band", "New Song"),
        )
        == 200
    )
    with transaction(container.sessions) as s:
        rows = {p.track_name: p for p in s.scalars(select(Play))}
    assert rows["KNOWN SONG"].track_id == known
    assert rows["New Song"].track_id is None and rows["New Song"].artist_name == "Known Band"
    assert rows["New Song"].match_key is not None
    # the artist's catalogue is now cached; a track added since must still be found by the next listen
    with transaction(container.sessions) as s:
        band_row = s.get(catalog.Artist, band.id)
        assert band_row is not None
        added = f.track(s, "New Song", f.album(s, "Second", band_row), [band_row]).id
        catalog.catalogue_changed(s)
    assert _post(client, tokens[0], "single", _listen(NOW_TS - 10, "Known Band", "New Song")) == 200
    with transaction(container.sessions) as s:
        latest = s.scalar(select(Play).order_by(Play.started_at.desc()).limit(1))
    assert latest is not None and latest.track_id == added and latest.match_key is None


def test_one_thousand_and_one_listens_are_refused_and_nothing_is_kept(
    client: TestClient, container: Container, tokens: list[str]
) -> None:
    listens = [_listen(NOW_TS - 2000 + i, "Many", f"Song {i}") for i in range(1001)]
    assert _post(client, tokens[0], "import", *listens) == 400
    assert _post(client, tokens[0], "import", *listens[:1000]) == 200
    assert sum(_kept(container).values()) == 1000
