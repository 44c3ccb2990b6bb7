"""probe20 F3: a ListenBrainz listen's duration (`additional_info.duration_ms`, or `duration` in seconds) is its
minutes in history and Wrapped, imported as submit-listens stores it; an import ignored it (0 minutes)."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.web import create_app
from tests.support.jobs import import_through_job
from tests.web.conftest import PASSWORD, login

INFOS = {
    "Milliseconds": ({"duration_ms": 240_000}, 240_000),
    "Seconds": ({"duration": 200}, 200_000),
    "Both": ({"duration_ms": 1_000, "duration": 200}, 1_000),  # duration_ms first, as submit-listens reads it
    "Text": ({"duration_ms": "240000"}, 0),  # not a number: no duration
    "Negative": ({"duration_ms": -5}, 0),
    "Boolean": ({"duration": True}, 0),
    "Over a day": ({"duration_ms": 24 * 3_600_000 + 1}, 0),
    "None said": ({}, 0),
}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with transaction(container.sessions) as s:
        create_user(s, username="importer", password=PASSWORD)
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _listens(offset: int) -> list[dict[str, object]]:
    return [
        {
            "listened_at": 1_700_000_000 + offset + 600 * i,
            "track_metadata": {"artist_name": "Band", "track_name": name, "additional_info": info},
        }
        for i, (name, (info, _)) in enumerate(INFOS.items())
    ]


def _played(container: Container, source: str) -> dict[str, int]:
    with container.sessions() as s:
        return {p.track_name or "": p.ms_played for p in s.scalars(select(Play).where(Play.source == source))}


def test_an_imported_listen_keeps_its_duration_as_a_submitted_one_does(
    client: TestClient, container: Container
) -> None:
    token = login(client, "importer")
    body = "\n".join(json.dumps(x) for x in _listens(0)).encode() + b"\n"
    report = import_through_job(client, container, body, "listens/2023/11.jsonl")
    assert report["status"] == 200 and report["imported"] == len(INFOS), report
    expected = {name: ms for name, (_, ms) in INFOS.items()}
    assert _played(container, "import") == expected
    # the same listens submitted (a day later, so they are new) are stored with the same minutes
    lb_token = client.post("/api/me/listen-token", headers={"Authorization": f"Bearer {token}", "X-Encore-CSRF": "1"})
    assert lb_token.status_code in (200, 201), lb_token.text
    # ... except those ListenBrainz itself refuses (not a non-negative integer: probe21a F5), which submit-listens
    # refuses whole, as ListenBrainz does; a file import keeps them with no duration (above), losing no listen
    auth = {"Authorization": f"Token {lb_token.json()['token']}"}
    listens = _listens(86_400)
    invalid = {"Text", "Negative", "Boolean"}
    for listen in listens:
        if listen["track_metadata"]["track_name"] in invalid:  # type: ignore[index]
            one = {"listen_type": "import", "payload": [listen]}
            refused = client.post("/1/submit-listens", json=one, headers=auth)
            assert refused.status_code == 400, refused.text
    valid = [x for x in listens if x["track_metadata"]["track_name"] not in invalid]  # type: ignore[index]
    r = client.post("/1/submit-listens", json={"listen_type": "import", "payload": valid}, headers=auth)
    assert r.status_code == 200, r.text
    with container.sessions() as s:
        rows = s.scalars(select(Play).where(Play.source != "import")).all()
    assert {p.track_name: p.ms_played for p in rows} == {k: v for k, v in expected.items() if k not in invalid}
