"""Ad audio cannot be brought into a library through the back door: saving, starring, rating, queueing or adding
to a playlist an ad track (or its release, or an advertiser with nothing but ads) answers "not found" on every
face, as the catalogue does, and changes nothing. Music in the same request is refused with it, not half-saved."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import get_user_by_name
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.devices import create_device
from encore.library import Playlist, PlaylistItem, Rating, SavedAlbum, SavedArtist, SavedTrack
from tests.web.conftest import login
from tests.web.spotify.flows import register_app, user_token
from tests.web.test_ads_out_of_catalogue import NOW, client, world

__all__ = ["client", "world"]


def _nothing_kept(container: Container) -> None:
    with container.sessions() as s:
        for model in (SavedTrack, SavedAlbum, SavedArtist, PlaylistItem, Rating):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_player_api_refuses_ads_in_likes_and_playlists(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    h = {"Authorization": f"Bearer {login(client, 'listener')}"}
    for kind, item in (("tracks", "spot"), ("albums", "ad_album"), ("artists", "advertiser")):
        r = client.put(f"/api/me/likes/{kind}/{world[item]}", headers=h)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", (kind, r.text)
    playlist = client.post("/api/playlists", json={"name": "Mix"}, headers=h).json()["id"]
    for ids in ([world["spot"]], [world["overture"], world["spot"]]):
        r = client.post(f"/api/playlists/{playlist}/items", json={"track_ids": ids}, headers=h)
        assert r.status_code == 404, r.text
    _nothing_kept(container)
    # The same calls with music work, so the refusals above are about the ad, not the request.
    assert client.put(f"/api/me/likes/tracks/{world['overture']}", headers=h).status_code == 204
    assert client.put(f"/api/me/likes/artists/{world['singer']}", headers=h).status_code == 204
    r = client.post(f"/api/playlists/{playlist}/items", json={"track_ids": [world["overture"]]}, headers=h)
    assert r.status_code == 201, r.text


def test_v1_refuses_ads_in_saved_tracks_albums_and_playlists(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    client = TestClient(client.app, base_url="http://127.0.0.1")  # OAuth wants https or loopback
    login(client, "listener")
    h = {"Authorization": f"Bearer {user_token(client, register_app(client))['access_token']}"}
    assert client.put("/v1/me/tracks", params={"ids": world["spot"]}, headers=h).status_code == 404
    assert client.put("/v1/me/tracks", json={"ids": [world["overture"], world["spot"]]}, headers=h).status_code == 404
    for uri in (
        f"encore:track:{world['spot']}",
        f"encore:album:{world['ad_album']}",
        f"encore:artist:{world['advertiser']}",
    ):
        r = client.put("/v1/me/library", params={"uris": uri}, headers=h)
        assert r.status_code == 404, (uri, r.text)
    playlist = client.post("/v1/me/playlists", json={"name": "Mix"}, headers=h).json()["id"]
    spot_uri = f"encore:track:{world['spot']}"
    r = client.post(f"/v1/playlists/{playlist}/tracks", json={"uris": [spot_uri]}, headers=h)
    assert r.status_code == 404, r.text
    assert client.put(f"/v1/playlists/{playlist}/tracks", json={"uris": [spot_uri]}, headers=h).status_code == 404
    _nothing_kept(container)
    assert client.put("/v1/me/tracks", params={"ids": world["overture"]}, headers=h).status_code == 200
    uri = f"encore:track:{world['overture']}"
    assert client.post(f"/v1/playlists/{playlist}/tracks", json={"uris": [uri]}, headers=h).status_code == 201


def _rest(client: TestClient, key: str, method: str, **params: str | list[str]) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/rest/{method}", params={"apiKey": key, "f": "json", **params}).json()
    return body["subsonic-response"]  # type: ignore[no-any-return]


def _not_found(body: dict[str, Any]) -> bool:
    return body["status"] == "failed" and body["error"]["code"] == 70


def test_subsonic_refuses_ads_in_stars_ratings_queues_and_playlists(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=NOW).api_key
    spot, ad_album, advertiser = f"tr-{world['spot']}", f"al-{world['ad_album']}", f"ar-{world['advertiser']}"
    for params in (
        {"id": spot},
        {"albumId": ad_album},
        {"artistId": advertiser},
        {"id": [f"tr-{world['overture']}", spot]},
    ):
        assert _not_found(_rest(client, key, "star", **params)), params
    for item in (spot, ad_album, advertiser):
        assert _not_found(_rest(client, key, "setRating", id=item, rating="5")), item
    assert _not_found(_rest(client, key, "savePlayQueue", id=spot))
    assert _not_found(_rest(client, key, "createPlaylist", name="Ads", songId=spot))
    made = _rest(client, key, "createPlaylist", name="Mix")["playlist"]["id"]
    assert _not_found(_rest(client, key, "updatePlaylist", playlistId=made, songIdToAdd=spot))
    assert _not_found(_rest(client, key, "createPlaylist", playlistId=made, songId=spot))
    _nothing_kept(container)
    with container.sessions() as s:
        assert list(s.scalars(select(Playlist.name))) == ["Mix"]  # the refused "Ads" playlist was not kept
    assert _rest(client, key, "star", id=f"tr-{world['overture']}")["status"] == "ok"
    assert (
        _rest(client, key, "updatePlaylist", playlistId=made, songIdToAdd=f"tr-{world['overture']}")["status"] == "ok"
    )


def test_an_ad_saved_before_the_gate_can_still_be_removed(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    h = {"Authorization": f"Bearer {login(client, 'listener')}"}
    playlist = client.post("/api/playlists", json={"name": "Old"}, headers=h).json()["id"]
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        spot = s.scalar(select(Track).where(Track.public_id == world["spot"]))
        mix = s.scalar(select(Playlist).where(Playlist.public_id == playlist))
        assert user is not None and spot is not None and mix is not None
        s.add(SavedTrack(user_id=user.id, track_id=spot.id, saved_at=NOW))
        s.add(PlaylistItem(playlist_id=mix.id, track_id=spot.id, position=0, added_at=NOW, added_by=user.id))
    assert client.delete(f"/api/me/likes/tracks/{world['spot']}", headers=h).status_code == 204
    r = client.request("DELETE", f"/api/playlists/{playlist}/items", json={"track_ids": [world["spot"]]}, headers=h)
    assert r.status_code == 200, r.text
    _nothing_kept(container)
