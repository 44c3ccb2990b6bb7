"""spotipy from PyPI, unmodified except `prefix` and its OAuth URLs, against a live Encore server."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import spotipy
from sqlalchemy import select

from encore.accounts import create_user, get_user_by_name
from encore.catalog import Track
from encore.db import transaction
from encore.history import PlayReport, report_play
from tests.support.live import LiveServer
from tests.web.spotify.conftest import PASSWORD, add_plays
from tests.web.spotify.flows import login
from tests.web.spotify.spotipy_client import code_client
from tests.web.spotify.spotipy_client import pkce_client as _pkce_client

pytestmark = pytest.mark.xdist_group("v1-live")


@pytest.fixture(scope="module")
def sp_alice(live: LiveServer) -> Iterator[spotipy.Spotify]:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "alice", PASSWORD)
        yield _pkce_client(live, http)


def test_profile_and_catalogue(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    me = sp_alice.current_user()
    assert me["display_name"] == "Alice Fan" and me["email"] == "alice@example.org"
    assert me["uri"] == f"spotify:user:{me['id']}"
    album = _new_releases(sp_alice)["albums"]["items"][0]
    full_album = sp_alice.album(album["id"])
    assert full_album["name"] == album["name"] and full_album["tracks"]["items"]
    first = full_album["tracks"]["items"][0]
    track = sp_alice.track(first["id"])
    assert track["uri"] == f"spotify:track:{first['id']}" and track["album"]["id"] == album["id"]
    assert track["href"] == f"{live.base_url}/v1/tracks/{first['id']}"
    assert track["album"]["images"][0]["url"].startswith(f"{live.base_url}/art/")
    artist = sp_alice.artist(track["artists"][0]["id"])
    assert artist["name"] == track["artists"][0]["name"]
    several = sp_alice.tracks([first["id"]])["tracks"]
    assert several[0]["id"] == first["id"]
    albums = sp_alice.artist_albums(artist["id"])["items"]
    assert album["id"] in {a["id"] for a in albums} or albums
    word = track["name"].split()[0]
    found = sp_alice.search(q=word, type="track", limit=5)["tracks"]["items"]
    assert track["id"] in {t["id"] for t in found} or any(word.casefold() in t["name"].casefold() for t in found)
    assert found and all(t["type"] == "track" for t in found)


def test_spotipy_default_flows_send_no_state_and_log_in(live: LiveServer) -> None:
    """probe22 F5: spotipy's PKCE and authorization-code flows send no `state` unless told to; Encore answered
    "Missing 'state'". RFC 6749 makes `state` the client's own choice, and Spotify takes a request without it."""
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "bob", PASSWORD)
        for sp in (_pkce_client(live, http, state=None), code_client(live, http)):
            assert sp.current_user()["display_name"] == "Bob Fan"


def test_spotipy_keeps_its_token_when_it_asked_for_a_scope_encore_has_nothing_behind(live: LiveServer) -> None:
    """review32c M1: spotipy's `validate_token` drops a cached token whose `scope` lacks any scope the manager was
    made with, then asks for consent again (here: reads stdin, which a test has not) on every call. Many Spotify
    apps ask for `streaming`: the token names it, and it opens nothing."""
    scope = "user-read-private user-library-read streaming user-read-playback-position"
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "bob", PASSWORD)
        for sp in (_pkce_client(live, http, scope=scope), code_client(live, http, scope=scope)):
            manager = sp.auth_manager
            assert manager.validate_token(manager.cache_handler.get_cached_token()) is not None
            assert sp.current_user()["display_name"] == "Bob Fan"
            assert sp.current_user_saved_tracks(limit=1)["limit"] == 1  # a second call, the same token
            with pytest.raises(spotipy.SpotifyException) as refused:  # what was never asked stays shut
                sp.current_user_top_tracks()
            assert refused.value.http_status == 403


def test_top_tracks_and_recently_played(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    ids = add_plays(live, "alice", [1, 3, 2])
    top = sp_alice.current_user_top_tracks(limit=3, time_range="short_term")
    assert [t["id"] for t in top["items"]] == [ids[1], ids[2], ids[0]]
    recent = sp_alice.current_user_recently_played(limit=4)
    assert len(recent["items"]) == 4 and recent["next"]
    times = [p["played_at"] for p in recent["items"]]
    assert times == sorted(times, reverse=True)
    older = sp_alice.next(recent)
    seen = {p["played_at"] for p in recent["items"]}
    assert older["items"] and not seen & {p["played_at"] for p in older["items"]}
    assert max(p["played_at"] for p in older["items"]) < min(times)
    newer = sp_alice.current_user_recently_played(limit=50, after=int(recent["cursors"]["before"]))
    assert {p["played_at"] for p in newer["items"]} == set(times[:-1])


def test_playlist_create_fill_reorder_read_back(sp_alice: spotipy.Spotify) -> None:
    me = sp_alice.current_user()
    tracks = sp_alice.album(_new_releases(sp_alice)["albums"]["items"][0]["id"])["tracks"]["items"]
    ids = [t["id"] for t in tracks][:3]
    assert len(ids) == 3
    made = sp_alice.current_user_playlist_create("Road trip", public=False, description="for the car")
    assert made["public"] is False and made["owner"]["id"] == me["id"]
    snap = sp_alice.playlist_add_items(made["id"], ids)["snapshot_id"]
    moved = sp_alice.playlist_reorder_items(made["id"], range_start=0, insert_before=3, snapshot_id=snap)
    assert moved["snapshot_id"] != snap
    back = sp_alice.playlist(made["id"])
    assert [i["track"]["id"] for i in back["tracks"]["items"]] == [ids[1], ids[2], ids[0]]
    assert back["name"] == "Road trip" and back["description"] == "for the car"
    items = sp_alice.playlist_items(made["id"], limit=2)
    collected = [i["track"]["id"] for i in items["items"]]
    while items["next"]:
        items = sp_alice.next(items)
        collected += [i["track"]["id"] for i in items["items"]]
    assert collected == [ids[1], ids[2], ids[0]]
    with pytest.raises(spotipy.SpotifyException) as stale:
        sp_alice.playlist_reorder_items(made["id"], range_start=0, insert_before=2, snapshot_id=snap)
    assert stale.value.http_status == 409
    mine = sp_alice.current_user_playlists()
    assert made["id"] in {p["id"] for p in mine["items"]}


def test_saved_tracks_paged_through_next_to_the_end(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    ids = add_plays(live, "alice", [])
    sp_alice.current_user_saved_tracks_add(ids)
    assert sp_alice.current_user_saved_tracks_contains(ids[:2]) == [True, True]
    page = sp_alice.current_user_saved_tracks(limit=5)
    assert page["total"] == len(ids) and page["previous"] is None
    collected = [i["track"]["id"] for i in page["items"]]
    pages = 1
    while page["next"]:
        page = sp_alice.next(page)
        collected += [i["track"]["id"] for i in page["items"]]
        pages += 1
    assert sorted(collected) == sorted(ids) and pages == -(-len(ids) // 5)
    assert sp_alice.previous(page)["offset"] == page["offset"] - 5
    sp_alice.current_user_saved_tracks_delete(ids[:1])
    assert sp_alice.current_user_saved_tracks_contains(ids[:1]) == [False]


def test_a_bad_id_is_a_spotify_error(sp_alice: spotipy.Spotify) -> None:
    with pytest.raises(spotipy.SpotifyException) as bad:
        sp_alice.track("not-a-valid-id")
    assert bad.value.http_status == 400
    with pytest.raises(spotipy.SpotifyException) as missing:
        sp_alice.track("0" * 22)
    assert missing.value.http_status == 404 and missing.value.msg


def test_a_collaborative_playlist_is_refused_not_made_plain(sp_alice: spotipy.Spotify) -> None:
    """probe19 N2: `collaborative: true` answered 201 with a playlist that was not; Encore has none."""
    before = sp_alice.current_user_playlists()["total"]
    with pytest.raises(spotipy.SpotifyException) as refused:
        sp_alice.current_user_playlist_create("Together", public=False, collaborative=True)
    assert refused.value.http_status == 400 and "not collaborative" in refused.value.msg
    assert sp_alice.current_user_playlists()["total"] == before  # nothing was made
    made = sp_alice.current_user_playlist_create("Alone", public=False, collaborative=False)
    with pytest.raises(spotipy.SpotifyException) as changed:
        sp_alice.playlist_change_details(made["id"], collaborative=True)
    assert changed.value.http_status == 400
    assert sp_alice.playlist(made["id"])["collaborative"] is False


def _new_releases(sp: spotipy.Spotify) -> dict[str, Any]:
    with pytest.warns(
        DeprecationWarning, match="deprecated"
    ):  # spotipy warns that Spotify deprecated the endpoint; Encore keeps it
        result: dict[str, Any] = sp.new_releases(limit=1)
    return result


def test_remove_every_occurrence_new_and_old_body_shapes(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    tracks = sp_alice.album(_new_releases(sp_alice)["albums"]["items"][0]["id"])["tracks"]["items"]
    a, b, c = (t["id"] for t in tracks[:3])
    made = sp_alice.current_user_playlist_create("Dupes", public=False)
    sp_alice.playlist_add_items(made["id"], [a, b, a, c])
    # spotipy sends Spotify's current body: DELETE /playlists/{id}/items with {"items": [{"uri": ...}]}
    sp_alice.playlist_remove_all_occurrences_of_items(made["id"], [a])
    back = sp_alice.playlist(made["id"])
    assert [i["item"]["id"] for i in back["items"]["items"]] == [b, c]  # the current shape
    assert [i["track"]["id"] for i in back["tracks"]["items"]] == [b, c]  # and the deprecated one
    assert back["items"]["href"].split("?")[0].endswith(f"/v1/playlists/{made['id']}/items")
    # The older body ({"tracks": [...]}) on the older path still works; giving neither is a clear 400.
    token = sp_alice.auth_manager.get_access_token()
    auth = {"Authorization": f"Bearer {token}"}
    old = httpx.request(
        "DELETE",
        f"{live.base_url}/v1/playlists/{made['id']}/tracks",
        headers=auth,
        json={"tracks": [{"uri": f"spotify:track:{b}"}]},
    )
    assert old.status_code == 200, old.text
    assert [i["item"]["id"] for i in sp_alice.playlist_items(made["id"])["items"]] == [c]
    neither = httpx.request("DELETE", f"{live.base_url}/v1/playlists/{made['id']}/items", headers=auth, json={})
    assert neither.status_code == 400 and '"items"' in neither.json()["error"]["message"]


def test_saved_albums_listed_with_their_tracks(sp_alice: spotipy.Spotify) -> None:
    albums = [a["id"] for a in _new_releases(sp_alice)["albums"]["items"]]
    sp_alice.current_user_saved_albums_add(albums)
    assert sp_alice.current_user_saved_albums_contains(albums) == [True] * len(albums)
    page = sp_alice.current_user_saved_albums(limit=1)
    assert page["total"] == len(albums)
    first = page["items"][0]
    assert first["added_at"].endswith("Z") and first["album"]["tracks"]["items"]
    assert first["album"]["uri"] == f"spotify:album:{first['album']['id']}"
    seen = [first["album"]["id"]]
    while page["next"]:
        page = sp_alice.next(page)
        seen += [i["album"]["id"] for i in page["items"]]
    assert sorted(seen) == sorted(albums)
    sp_alice.current_user_saved_albums_delete(albums[:1])
    assert [i["album"]["id"] for i in sp_alice.current_user_saved_albums()["items"]] == albums[1:]


def test_external_urls_name_pages_of_the_player(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    made = sp_alice.current_user_playlist_create("Linked", public=True)
    me = sp_alice.current_user()
    assert made["external_urls"]["encore"] == f"{live.base_url}/playlist/{made['id']}"
    assert me["external_urls"]["encore"] == f"{live.base_url}/user/{me['id']}"
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "bob", PASSWORD)
        profile = http.get(f"/api/users/{me['id']}").json()  # what the player's /user/<id> page shows
        assert profile["name"] == "Alice Fan" and made["id"] in [p["id"] for p in profile["playlists"]["items"]]
        assert http.get("/api/users/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_recently_played_names_album_artist_and_playlist_contexts(live: LiveServer) -> None:
    """Spotify's PlayHistory.context: album, artist and playlist plays carry one; plays from home, a mix or
    radio answer null (Spotify has no such context), and an id the client made up is never echoed."""
    c = live.container
    now = c.clock.now()
    with transaction(c.sessions) as s:
        bob = get_user_by_name(s, username="bob")
        assert bob is not None
        track = s.scalars(select(Track).order_by(Track.id)).first()
        assert track is not None
        album_id = track.album.public_id
        contexts = [("album", album_id), ("mix", album_id), ("playlist", "../../etc"), ("artist", None)]
        for i, (kind, ctx) in enumerate(contexts):
            report_play(
                s,
                user_id=bob.id,
                now=now,
                report=PlayReport(
                    client_play_id=f"context-play-{i}",
                    track_id=track.id,
                    track_duration_ms=track.duration_ms,
                    started_at=now - timedelta(minutes=10 - i),
                    ms_played=track.duration_ms,
                    state="ended",
                    context_type=kind,
                    context_id=ctx,
                ),
            )
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "bob", PASSWORD)
        items = _pkce_client(live, http).current_user_recently_played(limit=4)["items"]
    by_age = [p["context"] for p in reversed(items)]  # oldest first, as reported above
    assert by_age[0] == {
        "type": "album",
        "uri": f"spotify:album:{album_id}",
        "href": f"{live.base_url}/v1/albums/{album_id}",
        "external_urls": {
            "encore": f"{live.base_url}/album/{album_id}",
            "spotify": f"{live.base_url}/album/{album_id}",
        },
    }
    assert by_age[1:] == [None, None, None]


def test_is_playable_follows_the_listener_s_tier_and_the_label_s_availability(live: LiveServer) -> None:
    """Spotify's meaning: playable by this caller now. A Premium-only track and a pre-release before its date
    are not playable for a free listener (on every track object: one track, several, an album's, search) and
    become playable on the next request once the listener has Premium."""
    from encore.accounts import create_user
    from encore.billing import grant_premium
    from tests.catalog import factories as f

    c = live.container
    now = c.clock.now()
    with transaction(c.sessions) as s:
        user = create_user(s, username="erin", password=PASSWORD, display_name="Erin", email="erin@example.org")
        erin_id = user.public_id
        label = f.label(s, "Playable Records")
        band = f.artist(s, "Zyxwv Playable Band")
        album = f.album(s, "Zyxwv Locks", band, on=label)
        open_track = f.track(s, "Zyxwv Open", album, [band], number=1)
        premium = f.track(s, "Zyxwv Premium", album, [band], number=2)
        early = f.track(s, "Zyxwv Early", album, [band], number=3)
        released = f.track(s, "Zyxwv Released", album, [band], number=4)
        premium.availability = "premium"
        early.availability, early.available_from = "prerelease", now + timedelta(days=30)
        released.availability, released.available_from = "prerelease", now - timedelta(days=1)
        ids = {t.public_id: t.title for t in (open_track, premium, early, released)}
        album_id = album.public_id
    expected_free = {"Zyxwv Open": True, "Zyxwv Premium": False, "Zyxwv Early": False, "Zyxwv Released": True}

    def seen(sp: spotipy.Spotify) -> list[dict[str, bool]]:
        one = {ids[i]: sp.track(i)["is_playable"] for i in ids}
        several = {t["name"]: t["is_playable"] for t in sp.tracks(list(ids))["tracks"]}
        on_album = {t["name"]: t["is_playable"] for t in sp.album(album_id)["tracks"]["items"]}
        listed = {t["name"]: t["is_playable"] for t in sp.album_tracks(album_id)["items"]}
        found = {t["name"]: t["is_playable"] for t in sp.search(q="zyxwv", type="track", limit=10)["tracks"]["items"]}
        return [one, several, on_album, listed, found]

    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "erin", PASSWORD)
        sp = _pkce_client(live, http)
        assert seen(sp) == [expected_free] * 5
        with transaction(c.sessions) as s:
            grant_premium(s, user_public_id=erin_id, plan="premium", days=30, now=now)
        assert seen(sp) == [dict.fromkeys(expected_free, True)] * 5


def test_search_field_filters_as_spotipy_users_write_them(sp_alice: spotipy.Spotify, live: LiveServer) -> None:
    """probe15 F5: `artist:X track:Y`, `isrc:`, `upc:` and `year:` were plain text and found nothing."""
    with transaction(live.container.sessions) as s:
        row = s.scalars(select(Track).where(Track.isrc.is_not(None)).order_by(Track.id)).first()
        assert row is not None and row.album.upc and row.album.release_date, "the demo catalogue tags ISRC, UPC, date"
        title, artist, album = row.title, row.artists[0].artist.name, row.album.title
        isrc, upc, year, public_id = row.isrc, row.album.upc, row.album.release_date.year, row.public_id

    def tracks(q: str) -> list[str]:
        return [t["id"] for t in sp_alice.search(q=q, type="track", limit=50)["tracks"]["items"]]

    assert public_id in tracks(f'artist:"{artist}" track:"{title}"')
    assert all(public_id != t for t in tracks(f'artist:"{artist}" track:"zzzz{title}"'))
    assert tracks(f"isrc:{isrc}") == [public_id]
    assert tracks(f"isrc:{isrc.lower()}") == [public_id]
    assert public_id in tracks(f'album:"{album}" year:{year}')
    assert public_id in tracks(f'year:{year + 5}-{year - 5} track:"{title}"')  # a reversed range
    assert tracks(f"year:{year + 1}-{year + 9} isrc:{isrc}") == []
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in str(year))
    assert tracks(f"year:{fullwidth} isrc:{isrc}") == []  # not ASCII digits: not a year, so nothing
    albums = sp_alice.search(q=f"upc:{upc}", type="album")["albums"]["items"]
    assert [a["name"] for a in albums] == [album]
    found = sp_alice.search(q=f"isrc:{isrc}", type="track,album,artist,playlist")
    assert [t["id"] for t in found["tracks"]["items"]] == [public_id]
    assert found["albums"]["total"] == found["artists"]["total"] == found["playlists"]["total"] == 0  # filter only


@pytest.mark.parametrize(
    "q", ['artist:"', "artist:", 'track:"unclosed', "year:99999999-0", "year:1999-1990", "tag:new", "tag:hipster"]
)
def test_hostile_search_filters_are_answers_not_errors(sp_alice: spotipy.Spotify, q: str) -> None:
    found = sp_alice.search(q=q, type="track,album,artist")
    assert {"tracks", "albums", "artists"} <= set(found)


def test_a_thousand_filters_are_refused_as_too_long_a_query(sp_alice: spotipy.Spotify) -> None:
    with pytest.raises(spotipy.SpotifyException) as refused:
        sp_alice.search(q=" ".join(["artist:a"] * 1000), type="track")
    assert refused.value.http_status == 400


def test_a_uri_from_an_answer_goes_back_into_spotipy(live: LiveServer) -> None:
    """review25c H1: a client's commonest move is to pass an object's `uri` back into another call. spotipy takes
    only `spotify:` URIs and refused Encore's `encore:` ones before sending anything ("Unsupported URL / URI.")."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="uris", password=PASSWORD, display_name="Uris", email="uris@example.org")
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "uris", PASSWORD)
        sp = _pkce_client(live, http)
    album = sp.album(_new_releases(sp)["albums"]["items"][0]["uri"])
    uris = [t["uri"] for t in album["tracks"]["items"][:3]]
    track = sp.track(uris[0])
    assert track["uri"] == uris[0] == f"spotify:track:{track['id']}"
    assert [t["id"] for t in sp.tracks(uris)["tracks"]] == [u.split(":")[2] for u in uris]
    assert sp.artist(track["artists"][0]["uri"])["id"] == track["artists"][0]["id"]
    made = sp.current_user_playlist_create("Round trip", public=False)
    sp.playlist_add_items(made["id"], [*uris, uris[0]])
    read = sp.playlist(made["uri"])
    assert [i["item"]["uri"] for i in read["items"]["items"]] == [*uris, uris[0]]
    sp.playlist_remove_all_occurrences_of_items(made["uri"], [uris[0]])
    assert [i["item"]["uri"] for i in sp.playlist_items(made["id"])["items"]] == uris[1:]
    sp.current_user_saved_tracks_add([uris[0]])
    assert sp.current_user_saved_tracks_contains([uris[0]]) == [True]
    sp.current_user_saved_albums_add([album["uri"]])
    assert sp.current_user_saved_albums()["items"][0]["album"]["uri"] == album["uri"]
    with pytest.warns(DeprecationWarning, match="deprecated"):  # spotipy's; Encore keeps the endpoint
        seeds = sp.recommendations(seed_tracks=[uris[0]], limit=5)["seeds"]
    assert seeds[0]["id"] == track["id"]


def test_encore_uris_are_still_read_wherever_a_uri_is_taken(live: LiveServer) -> None:
    """H1's other half: `/v1` wrote `encore:` URIs before, and a client may have stored them. Every input that
    takes a URI reads both schemes: playlist add, replace and remove, /me/library, /me/tracks and /me/following."""
    with transaction(live.container.sessions) as s:
        create_user(s, username="olduris", password=PASSWORD, display_name="Old", email="olduris@example.org")
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "olduris", PASSWORD)
        sp = _pkce_client(live, http)
    track = sp.album(_new_releases(sp)["albums"]["items"][0]["id"])["tracks"]["items"][0]
    tid, aid = track["id"], track["artists"][0]["id"]
    pid = sp.current_user_playlist_create("Old uris", public=False)["id"]
    v1 = httpx.Client(
        base_url=f"{live.base_url}/v1",
        headers={"Authorization": f"Bearer {sp.auth_manager.get_access_token()}"},
        timeout=30,
    )
    with v1:
        for scheme in ("encore", "spotify"):
            t, a = f"{scheme}:track:{tid}", f"{scheme}:artist:{aid}"
            assert v1.post(f"/playlists/{pid}/items", json={"uris": [t, t]}).status_code == 201
            assert v1.put(f"/playlists/{pid}/items", json={"uris": [t]}).status_code == 200
            assert v1.request("DELETE", f"/playlists/{pid}/items", json={"items": [{"uri": t}]}).status_code == 200
            assert sp.playlist_items(pid)["total"] == 0
            assert v1.put("/me/library", params={"uris": f"{t},{a}"}).status_code == 200
            assert v1.get("/me/library/contains", params={"uris": f"{t},{a}"}).json() == [True, True]
            assert v1.delete("/me/library", params={"uris": f"{t},{a}"}).status_code == 200
            assert v1.put("/me/tracks", params={"ids": t}).status_code == 200
            assert v1.get("/me/tracks/contains", params={"ids": t}).json() == [True]
            assert v1.delete("/me/tracks", params={"ids": t}).status_code == 200
            assert v1.put("/me/following", params={"type": "artist", "ids": a}).status_code == 204
            assert v1.get("/me/following/contains", params={"type": "artist", "ids": a}).json() == [True]
            assert v1.delete("/me/following", params={"type": "artist", "ids": a}).status_code == 204
        assert v1.put("/me/library", params={"uris": f"other:track:{tid}"}).status_code == 400
