"""Every /v1 error in Spotify's shape (probe20 N7): an unknown path and a method an operation does not take
answered in the player's ({"error": {"code", "message"}}); and a tunable attribute of /v1/recommendations out
of Spotify's range (`target_energy=2`) was read as fine."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.web import create_app
from tests.web.conftest import login
from tests.web.spotify.flows import client_token, register_app


@pytest.fixture
def bearer(container: Container, listener: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(container), base_url="https://testserver") as client:
        login(client, listener)
        app = register_app(client)
        client.cookies.clear()
        yield client, {"Authorization": f"Bearer {client_token(client, app)}"}


def _spotify_error(r: object, status: int) -> str:
    body = r.json()  # type: ignore[attr-defined]
    assert r.status_code == status and set(body) == {"error"}, body  # type: ignore[attr-defined]
    assert set(body["error"]) == {"status", "message"} and body["error"]["status"] == status, body
    return str(body["error"]["message"])


UNKNOWN = ["/v1/nosuch", "/v1", "/v1/", "/v1/tracks/x/y/z", "/v1/me/nothing/here"]
WRONG_METHOD = [
    ("POST", "/v1/tracks/4uLU6hMCjMI75M1A2tKUQC", "GET"),
    ("DELETE", "/v1/search?q=a&type=track", "GET"),
    ("PATCH", "/v1/me/tracks", "DELETE, GET, PUT"),
    ("PUT", "/v1/recommendations", "GET"),
]
OUT_OF_RANGE = [
    "target_energy=2",
    "min_danceability=-0.1",
    "max_valence=1.5",
    "target_key=12",
    "target_key=1.5",
    "min_mode=2",
    "target_popularity=101",
    "max_popularity=-1",
    "target_time_signature=12",
    "min_tempo=-1",
    "target_duration_ms=-5",
    "target_energy=abc",
    "target_energy=nan",
    "target_energy=inf",
    "target_loudness=loud",
]


def test_unknown_paths_and_wrong_methods_answer_in_spotifys_shape(bearer: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = bearer
    for path in UNKNOWN:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            assert _spotify_error(client.request(method, path, headers=auth), 404) == "Service not found", path
        assert client.head(path, headers=auth).status_code == 404
    for method, path, allow in WRONG_METHOD:
        r = client.request(method, path, headers=auth)
        assert _spotify_error(r, 405) == "Method not allowed", path
        assert r.headers["allow"] == allow, path
    # a method an operation takes is still its own answer, not this route's
    assert _spotify_error(client.get("/v1/tracks/4uLU6hMCjMI75M1A2tKUQC", headers=auth), 404) == "no such track"


def test_a_tunable_out_of_its_range_is_refused(bearer: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = bearer
    for query in OUT_OF_RANGE:
        r = client.get(f"/v1/recommendations?seed_genres=folk&{query}", headers=auth)
        assert query.split("=")[0] in _spotify_error(r, 400), query
    fine = "target_energy=1&min_energy=0&target_key=11&target_popularity=100&max_tempo=400&target_loudness=-60"
    # in range, and a name that is no attribute: past the tunables, to the seed (no genre in an empty catalogue)
    r = client.get(f"/v1/recommendations?seed_genres=folk&{fine}&target_colour=9", headers=auth)
    assert "folk" in _spotify_error(r, 400)
    # no token and a tunable out of range: who is asking comes first, as with every other parameter
    assert _spotify_error(client.get("/v1/recommendations?seed_genres=folk&target_energy=2"), 401)
