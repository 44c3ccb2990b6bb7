"""A playlist's items check `market` as the playlist does (Spotify's Get Playlist Items checks it like every other
read; review25n L2: /tracks and /items took none, so a bad one was accepted there)."""

from fastapi.testclient import TestClient

from encore.bootstrap import Container
from tests.web.spotify.test_v1_security import _as, _b, _playlist, api

__all__ = ["api"]


def test_playlist_items_check_market_as_the_playlist_does(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    token = _as(client, "alice")[1]["access_token"]
    playlist = _playlist(client, token, public=True)
    whole = client.get(f"/v1/playlists/{playlist}?market=XX", headers=_b(token))
    assert whole.status_code == 400, whole.text  # the playlist checks it
    for path in ("tracks", "items"):
        items = client.get(f"/v1/playlists/{playlist}/{path}?market=XX", headers=_b(token))
        assert items.status_code == 400, (path, items.status_code, items.text)
