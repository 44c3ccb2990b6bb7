"""The /v1 calls a spotipy probe found missing (F9): several albums and artists, a user's profile, followed
artists, playlist search, following playlists, a playlist's cover, a change of details with nothing in it.
Each through spotipy itself, then its hostile inputs over plain HTTP with the same token."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import spotipy
from sqlalchemy import select

from encore.accounts import create_user
from encore.catalog import Album, Artist
from encore.db import transaction
from tests.support.live import LiveServer
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import client_token, login, register_app
from tests.web.spotify.spotipy_client import pkce_client

pytestmark = pytest.mark.xdist_group("v1-live")
UNKNOWN = "0" * 22  # well formed, no such object


@pytest.fixture(scope="module")
def people(live: LiveServer) -> dict[str, str]:
    """Two listeners of this module's own (public ids), so no other module's saves or playlists show."""
    with transaction(live.container.sessions) as s:
        made = {
            name: create_user(s, username=name, password=PASSWORD, display_name=f"{name.title()} Fan").public_id
            for name in ("gina", "hank")
        }
    return made


@pytest.fixture(scope="module")
def gina(live: LiveServer, people: dict[str, str]) -> Iterator[spotipy.Spotify]:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "gina", PASSWORD)
        yield pkce_client(live, http)


@pytest.fixture(scope="module")
def hank(live: LiveServer, people: dict[str, str]) -> Iterator[spotipy.Spotify]:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "hank", PASSWORD)
        yield pkce_client(live, http)


def _raw(sp: spotipy.Spotify, live: LiveServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    token = sp.auth_manager.get_access_token()
    return httpx.request(method, f"{live.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _narrow(live: LiveServer, username: str, scope: str) -> spotipy.Spotify:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, username, PASSWORD)
        return pkce_client(live, http, scope=scope)


def _ids(live: LiveServer, model: type[Album] | type[Artist], n: int) -> list[str]:
    with transaction(live.container.sessions) as s:
        return list(s.scalars(select(model.public_id).order_by(model.id).limit(n)))


def _status(call: Any) -> int:
    with pytest.raises(spotipy.SpotifyException) as failed:
        call()
    return int(failed.value.http_status)


# Several albums and artists -----------------------------------------------------------------------------------


def test_several_albums_are_each_the_single_read_and_unknown_ids_are_null(
    gina: spotipy.Spotify, live: LiveServer
) -> None:
    first, second = _ids(live, Album, 2)
    several = gina.albums([first, UNKNOWN, second, first])["albums"]
    assert several == [gina.album(first), None, gina.album(second), gina.album(first)]
    assert several[0]["tracks"]["items"] and several[0]["uri"] == f"spotify:album:{first}"


def test_several_artists_are_each_the_single_read_and_unknown_ids_are_null(
    gina: spotipy.Spotify, live: LiveServer
) -> None:
    first, second = _ids(live, Artist, 2)
    assert gina.artists([second, UNKNOWN, first])["artists"] == [gina.artist(second), None, gina.artist(first)]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        (f"/v1/albums?ids={','.join([UNKNOWN] * 21)}", "21 albums: Spotify's cap is 20"),
        (f"/v1/artists?ids={','.join([UNKNOWN] * 51)}", "51 artists: Spotify's cap is 50"),
        (f"/v1/albums?ids={UNKNOWN},not-an-id", "a malformed album id"),
        (f"/v1/artists?ids={UNKNOWN},{'x' * 22}_", "a malformed artist id"),
        ("/v1/albums?ids=", "no ids"),
        ("/v1/artists?ids=,,,", "only commas"),
        ("/v1/albums", "no ids parameter"),
    ],
    ids=["albums-21", "artists-51", "album-malformed", "artist-malformed", "empty", "commas", "missing"],
)
def test_several_objects_refuse_hostile_ids_with_400(
    gina: spotipy.Spotify, live: LiveServer, path: str, why: str
) -> None:
    r = _raw(gina, live, "GET", path)
    assert r.status_code == 400, (why, r.text)
    assert r.json()["error"]["status"] == 400


def test_several_objects_take_their_caps_and_client_credentials(gina: spotipy.Spotify, live: LiveServer) -> None:
    assert _raw(gina, live, "GET", f"/v1/albums?ids={','.join([UNKNOWN] * 20)}").json() == {"albums": [None] * 20}
    assert _raw(gina, live, "GET", f"/v1/artists?ids={','.join([UNKNOWN] * 50)}").json() == {"artists": [None] * 50}
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "gina", PASSWORD)
        token = client_token(http, register_app(http, name="catalogue only"))
    album = _ids(live, Album, 1)[0]
    r = httpx.get(f"{live.base_url}/v1/albums?ids={album}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["albums"][0]["id"] == album


# A user's profile ----------------------------------------------------------------------------------------------


def test_a_user_profile_is_public_only(gina: spotipy.Spotify, live: LiveServer, people: dict[str, str]) -> None:
    with pytest.warns(DeprecationWarning, match="deprecated"):  # spotipy's note that Spotify deprecated it
        hank = gina.user(people["hank"])
    assert hank == {
        "display_name": "Hank Fan",
        "external_urls": {
            "encore": f"{live.base_url}/user/{people['hank']}",
            "spotify": f"{live.base_url}/user/{people['hank']}",
        },
        "followers": {"href": None, "total": 0},
        "href": f"{live.base_url}/v1/users/{people['hank']}",
        "id": people["hank"],
        "images": [],
        "type": "user",
        "uri": f"spotify:user:{people['hank']}",
    }  # never the email, the country or the tier: those are /v1/me's, with their scopes
    assert _raw(gina, live, "GET", f"/v1/users/{UNKNOWN}").status_code == 404
    assert _raw(gina, live, "GET", "/v1/users/not-an-id").status_code == 400
    assert _raw(gina, live, "GET", "/v1/users/" + "a" * 23).status_code == 400


# Followed artists ----------------------------------------------------------------------------------------------


def test_following_artists_with_spotipy_both_apis_one_list(gina: spotipy.Spotify, live: LiveServer) -> None:
    a, b, c = _ids(live, Artist, 3)
    gina.user_follow_artists([a, b])  # spotipy 2.26 sends PUT /me/library with artist uris
    assert gina.current_user_following_artists([a, b, c]) == [True, True, False]
    assert _raw(gina, live, "PUT", f"/v1/me/following?type=artist&ids={c}").status_code == 204  # the older API
    assert _raw(gina, live, "GET", f"/v1/me/following/contains?type=artist&ids={c},{a}").json() == [True, True]
    first = gina.current_user_followed_artists(limit=2)["artists"]
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next"]
    assert first["cursors"]["after"] == first["items"][-1]["id"]
    rest = gina.next(first)["artists"]  # spotipy follows `next` (its `after` cursor)
    assert len(rest["items"]) == 1 and rest["next"] is None and rest["cursors"]["after"] is None
    assert {x["id"] for x in first["items"] + rest["items"]} == {a, b, c}
    again = gina.current_user_followed_artists(limit=2, after=first["cursors"]["after"])["artists"]
    assert again["items"] == rest["items"]
    gina.user_unfollow_artists([a])
    assert _raw(gina, live, "DELETE", "/v1/me/following?type=artist", json={"ids": [b]}).status_code == 204
    assert gina.current_user_following_artists([a, b, c]) == [False, False, True]
    gina.user_unfollow_artists([c])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/me/following?type=user", None),
        ("GET", "/v1/me/following", None),
        ("GET", "/v1/me/following?type=artist&limit=51", None),
        ("GET", "/v1/me/following?type=artist&limit=0", None),
        ("GET", f"/v1/me/following?type=artist&after={UNKNOWN}", None),
        ("PUT", f"/v1/me/following?type=user&ids={UNKNOWN}", None),
        ("PUT", f"/v1/me/following?type=artist&ids={','.join([UNKNOWN] * 51)}", None),
        ("PUT", "/v1/me/following?type=artist&ids=not-an-id", None),
        ("PUT", "/v1/me/following?type=artist", {"ids": "not-a-list"}),
        ("PUT", "/v1/me/following?type=artist", {"ids": []}),
        ("DELETE", "/v1/me/following?type=artist", None),
        ("GET", "/v1/me/following/contains?type=artist&ids=bad", None),
        ("GET", f"/v1/me/following/contains?type=artist&ids={','.join([UNKNOWN] * 51)}", None),
    ],
    ids=[
        "get-user-type",
        "get-no-type",
        "limit-51",
        "limit-0",
        "after-not-followed",
        "put-user-type",
        "put-51",
        "put-malformed",
        "put-body-not-list",
        "put-body-empty",
        "delete-no-ids",
        "contains-malformed",
        "contains-51",
    ],
)
def test_following_refuses_hostile_input_with_400(
    gina: spotipy.Spotify, live: LiveServer, method: str, path: str, body: object
) -> None:
    r = _raw(gina, live, method, path, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["status"] == 400


def test_following_an_unknown_artist_is_404_and_follows_nothing(gina: spotipy.Spotify, live: LiveServer) -> None:
    (a,) = _ids(live, Artist, 1)
    r = _raw(gina, live, "PUT", f"/v1/me/following?type=artist&ids={a},{UNKNOWN}")
    assert r.status_code == 404
    assert gina.current_user_following_artists([a]) == [False]


def test_following_needs_the_follow_scopes(live: LiveServer) -> None:
    (a,) = _ids(live, Artist, 1)
    narrow = _narrow(live, "hank", "user-read-email")
    for method, path in (
        ("GET", "/v1/me/following?type=artist"),
        ("PUT", f"/v1/me/following?type=artist&ids={a}"),
        ("DELETE", f"/v1/me/following?type=artist&ids={a}"),
        ("GET", f"/v1/me/following/contains?type=artist&ids={a}"),
    ):
        r = _raw(narrow, live, method, path)
        assert r.status_code == 403 and "scope" in r.json()["error"]["message"], (method, path)
    assert _status(lambda: narrow.user_follow_artists([a])) == 403  # through /me/library too
    follows_only = _narrow(live, "hank", "user-follow-read user-follow-modify")
    follows_only.user_follow_artists([a])
    assert follows_only.current_user_following_artists([a]) == [True]
    assert _status(lambda: follows_only.current_user_saved_tracks_add([UNKNOWN])) == 403  # not the library's
    follows_only.user_unfollow_artists([a])


# Playlists: search, details, cover, following ------------------------------------------------------------------


def test_search_finds_public_playlists_only(gina: spotipy.Spotify, hank: spotipy.Spotify) -> None:
    public = gina.current_user_playlist_create("Qwzx Night Drive", public=True)
    gina.current_user_playlist_create("Qwzx Secret Drive", public=False)
    for who in (gina, hank):  # the owner's private playlist is not found either: a search is a public place
        found = who.search(q="qwzx drive", type="playlist", limit=10)
        assert [p["id"] for p in found["playlists"]["items"]] == [public["id"]]
        assert found["playlists"]["total"] == 1
        assert found["playlists"]["items"][0]["owner"]["display_name"] == "Gina Fan"
    both = hank.search(q="qwzx", type="track,playlist", limit=5)
    assert [p["id"] for p in both["playlists"]["items"]] == [public["id"]] and both["tracks"]["items"] == []
    assert set(hank.search(q="qwzx", type="track")) == {"tracks"}  # review25c L1: what was not asked is left out
    assert hank.search(q="100%_drive", type="playlist")["playlists"]["items"] == []  # LIKE's wildcards are text


def test_change_details_with_nothing_succeeds_and_changes_nothing(gina: spotipy.Spotify, live: LiveServer) -> None:
    made = gina.current_user_playlist_create("Unchanged", public=False, description="as it was")
    gina.playlist_change_details(made["id"])  # spotipy sends no body at all
    assert _raw(gina, live, "PUT", f"/v1/playlists/{made['id']}", json={}).status_code == 200
    back = gina.playlist(made["id"])
    assert (back["name"], back["description"], back["public"]) == ("Unchanged", "as it was", False)
    gina.playlist_change_details(made["id"], name="Changed")
    assert gina.playlist(made["id"])["name"] == "Changed"


def test_change_details_with_nothing_still_checks_owner_and_scope(
    gina: spotipy.Spotify, hank: spotipy.Spotify, live: LiveServer
) -> None:
    made = gina.current_user_playlist_create("Gina's", public=True)
    assert _status(lambda: hank.playlist_change_details(made["id"])) == 403
    private_only = _narrow(live, "gina", "playlist-modify-private")
    assert _status(lambda: private_only.playlist_change_details(made["id"])) == 403  # a public playlist
    assert _raw(gina, live, "PUT", f"/v1/playlists/{made['id']}", content=b"{not json").status_code == 400
    assert _raw(gina, live, "PUT", f"/v1/playlists/{made['id']}", json={"name": ""}).status_code == 400


def test_a_playlist_cover_is_its_first_album_art(
    gina: spotipy.Spotify, hank: spotipy.Spotify, live: LiveServer
) -> None:
    made = gina.current_user_playlist_create("Covered", public=False)
    assert gina.playlist_cover_image(made["id"]) == []
    album = gina.album(_ids(live, Album, 1)[0])
    gina.playlist_add_items(made["id"], [album["tracks"]["items"][0]["id"]])
    cover = gina.playlist_cover_image(made["id"])
    assert cover == album["images"] and [i["height"] for i in cover] == [640, 300, 64]
    assert _status(lambda: hank.playlist_cover_image(made["id"])) == 404  # another listener's private playlist
    assert _raw(gina, live, "GET", "/v1/playlists/not-an-id/images").status_code == 400
    assert _raw(gina, live, "GET", f"/v1/playlists/{UNKNOWN}/images").status_code == 404


def test_following_playlists(
    gina: spotipy.Spotify, hank: spotipy.Spotify, live: LiveServer, people: dict[str, str]
) -> None:
    """The owner follows their own (a no-op) and unfollowing it deletes it, as on Spotify; following another
    listener's playlist is refused (Encore keeps no followed playlists), unfollowing it does nothing."""
    mine = gina.current_user_playlist_create("Mine", public=False)
    theirs = hank.current_user_playlist_create("Theirs", public=True)
    gina.current_user_follow_playlist(mine["id"])  # spotipy 2.26: PUT /me/library with the playlist's uri
    assert _raw(gina, live, "PUT", f"/v1/playlists/{mine['id']}/followers", json={"public": False}).status_code == 200
    assert gina.current_user_saved_items([f"spotify:playlist:{mine['id']}", f"spotify:playlist:{theirs['id']}"]) == [
        True,
        False,
    ]
    # spotipy's playlist_is_following itself fails before sending (its warnings.warn gets a str as category)
    ids = f"{people['gina']},{people['hank']}"
    contains = _raw(gina, live, "GET", f"/v1/playlists/{theirs['id']}/followers/contains?ids={ids}")
    assert contains.json() == [False, True]
    assert _raw(gina, live, "GET", f"/v1/playlists/{mine['id']}/followers/contains").json() == [True]
    refused = _raw(gina, live, "PUT", f"/v1/playlists/{theirs['id']}/followers")
    assert refused.status_code == 403 and "followed playlists" in refused.json()["error"]["message"]
    assert _status(lambda: gina.current_user_follow_playlist(theirs["id"])) == 403
    gina.current_user_unfollow_playlist(theirs["id"])  # never followed: nothing happens to Hank's playlist
    assert hank.playlist(theirs["id"])["name"] == "Theirs"
    gina.current_user_unfollow_playlist(mine["id"])  # the owner's unfollow deletes it
    assert _status(lambda: gina.playlist(mine["id"])) == 404
    assert mine["id"] not in {p["id"] for p in gina.current_user_playlists()["items"]}


def test_following_playlists_hostile(gina: spotipy.Spotify, hank: spotipy.Spotify, live: LiveServer) -> None:
    hidden = hank.current_user_playlist_create("Hidden", public=False)
    for method in ("PUT", "DELETE"):
        assert _raw(gina, live, method, f"/v1/playlists/{hidden['id']}/followers").status_code == 404, method
        assert _raw(gina, live, method, f"/v1/playlists/{UNKNOWN}/followers").status_code == 404, method
        assert _raw(gina, live, method, "/v1/playlists/bad/followers").status_code == 400, method
    assert hank.playlist(hidden["id"])["name"] == "Hidden"  # Gina's DELETE did not reach it
    assert _raw(gina, live, "DELETE", f"/v1/me/library?uris=spotify:playlist:{hidden['id']}").status_code == 404
    assert _raw(gina, live, "PUT", "/v1/me/library?uris=spotify:playlist:bad").status_code == 400
    ids = ",".join([hidden["id"]] * 6)
    assert _raw(gina, live, "GET", f"/v1/playlists/{hidden['id']}/followers/contains?ids={ids}").status_code == 404
    mine = hank.current_user_playlist_create("Too many asked", public=True)
    many = ",".join(["x"] * 6)
    assert _raw(hank, live, "GET", f"/v1/playlists/{mine['id']}/followers/contains?ids={many}").status_code == 400


def test_unfollowing_ones_own_playlist_needs_the_scope_for_its_visibility(live: LiveServer) -> None:
    owner = _narrow(live, "gina", "playlist-modify-public playlist-modify-private playlist-read-private")
    made = owner.current_user_playlist_create("Private one", public=False)
    narrow = _narrow(live, "gina", "playlist-modify-public")
    assert _status(lambda: narrow.current_user_unfollow_playlist(made["id"])) == 403
    assert _status(lambda: narrow.current_user_follow_playlist(made["id"])) == 403
    assert owner.playlist_cover_image(made["id"]) == []  # still there
    library_only = _narrow(live, "gina", "user-library-modify")
    uri = f"spotify:playlist:{made['id']}"
    assert _raw(library_only, live, "DELETE", f"/v1/me/library?uris={uri}").status_code == 403
    assert owner.playlist_cover_image(made["id"]) == []  # still there


def test_a_refused_playlist_uri_undoes_the_whole_library_change(
    gina: spotipy.Spotify, hank: spotipy.Spotify, live: LiveServer
) -> None:
    """PUT and DELETE /me/library are one change: a uri refused (another listener's playlist, a hidden one, an
    unknown album) leaves the tracks and artists of the same request as they were: the transaction rolls back
    before the error is written (it committed the first half before)."""
    (artist,) = _ids(live, Artist, 1)
    theirs = hank.current_user_playlist_create("Not Gina's", public=True)
    hidden = hank.current_user_playlist_create("Hidden from Gina", public=False)
    put = _raw(gina, live, "PUT", f"/v1/me/library?uris=spotify:artist:{artist},spotify:playlist:{theirs['id']}")
    assert put.status_code == 403
    assert gina.current_user_following_artists([artist]) == [False]
    gina.user_follow_artists([artist])
    gone = _raw(gina, live, "DELETE", f"/v1/me/library?uris=spotify:artist:{artist},spotify:playlist:{hidden['id']}")
    assert gone.status_code == 404
    assert gina.current_user_following_artists([artist]) == [True]
    gina.user_unfollow_artists([artist])
    track = gina.album(_ids(live, Album, 1)[0])["tracks"]["items"][0]["id"]
    half = _raw(gina, live, "PUT", f"/v1/me/library?uris=spotify:track:{track},spotify:album:{UNKNOWN}")
    assert half.status_code == 404  # the track's save (made first) went with the refusal
    assert gina.current_user_saved_tracks_contains([track]) == [False]


def test_search_answers_spotify_s_every_type(hank: spotipy.Spotify, live: LiveServer) -> None:
    """review25c M4 and L1: a client's "everything" search names Spotify's podcast and audiobook types too; it
    was refused whole (400). Those types answer empty pages (Encore has none), and only the types asked for are
    in the answer (they were `null`, which a client checking `"artists" in res` then read and crashed on)."""
    everything = "track,artist,album,playlist,show,episode,audiobook"
    found = hank.search(q="a", type=everything, limit=2)
    assert set(found) == {"tracks", "artists", "albums", "playlists", "shows", "episodes", "audiobooks"}
    assert found["tracks"]["items"] and found["tracks"]["total"] > 2
    for kind in ("shows", "episodes", "audiobooks"):
        assert found[kind]["items"] == [] and found[kind]["total"] == 0 and found[kind]["next"] is None
        assert found[kind]["href"].startswith(f"{live.base_url}/v1/search?")
    assert set(hank.search(q="a", type="album")) == {"albums"}
    assert set(hank.search(q="a", type="episode,artist")) == {"episodes", "artists"}
    for bad in ("podcast", "track,podcast", "tracks", "show,"):
        r = _raw(hank, live, "GET", "/v1/search", params={"q": "a", "type": bad})
        assert r.status_code == 400 and "type must be" in r.json()["error"]["message"], (bad, r.text)
