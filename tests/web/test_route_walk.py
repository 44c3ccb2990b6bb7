"""A walk over the whole route table (/api player, label and admin routes, /v1, /1): every route that names
an object someone owns is called on alice's objects as anonymous, as another listener (session, OAuth app
of their own, listen token) and as another label's account. None may answer 2xx, and alice's objects are
unchanged afterwards (so a refusal is not merely a validation error hiding a write)."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import insights
from encore.accounts import Role, create_user, erase_requested, get_user_by_name
from encore.ads import AdBreak, AdCampaign
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.devices import Device
from encore.discovery import Mix
from encore.history import Play
from encore.library import Playlist
from encore.oauth import OAuthApp
from encore.web import create_api, create_app
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import CSRF, register_app, user_token

PARAM = re.compile(r"{(\w+)}")
# Path parameters that name something one account (or one label, or the admins) owns.
OWNED = {
    "playlist_id", "device_id", "job_id", "client_id", "label_id", "user_id", "username", "month", "name",
    "play_id",  # a play in someone's history
    "break_id",  # an ad break handed to someone
    "token",  # someone's Wrapped share link
    "item_id",  # with kind=playlist: someone's private playlist (share pages, likes, buy links)
    "mix_id",  # someone's Daily Mix, Discover Weekly or Release Radar
}  # fmt: skip
# Path parameters that name the public catalogue, or a scope of the caller's own (their Wrapped period, a kind
# of thing, a page section). Every parameter of the route table is in OWNED or here: a route with a new kind
# of parameter fails the walk until someone decides which it is.
PUBLIC = {
    "album_id", "artist_id", "track_id", "exclusive_id", "seed_id", "id",  # catalogue (/v1/playlists/{id} walked)
    "kind", "key", "size", "n", "period", "year", "retailer", "section", "rest",
    "entity",  # which of a listener's ListenBrainz statistics: the name beside it is checked first
    "position",  # a gallery exclusive's picture: opened by the same decision as the exclusive
}  # fmt: skip
# Routes whose owned-looking parameter is the caller's own scope, not someone else's object.
NOT_ANOTHERS = {
    ("DELETE", "/api/me/grants/{client_id}"),  # revokes the caller's own grant to that app
    ("GET", "/v1/users/{user_id}/playlists"),  # public playlists are public; checked below for private ones
    ("GET", "/api/labels/{label_id}"),  # the public catalogue page of a label
    ("GET", "/api/users/{user_id}"),  # a public profile; checked below for private playlists
    ("GET", "/v1/users/{user_id}"),  # Spotify's public profile: the display name and links, nothing private
}
BODIES = {"PATCH": {"name": "pwned", "public": True}, "PUT": {"public": True, "days": 30}, "POST": {"name": "x"}}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as c:  # https: OAuth needs it
        yield c


def _routes(container: Container) -> list[tuple[str, str]]:
    paths = create_api(container).openapi()["paths"]
    unknown = {(p, name) for p in paths for name in PARAM.findall(p) if name not in OWNED | PUBLIC}
    assert not unknown, f"path parameters the walk does not know (add to OWNED or PUBLIC): {sorted(unknown)}"
    walked = [
        (method.upper(), path)
        for path, ops in paths.items()
        if OWNED & set(PARAM.findall(path)) or path.startswith("/v1/playlists/")
        for method in ops
        if (method.upper(), path) not in NOT_ANOTHERS
    ]
    assert len(walked) >= 40  # the table really was walked
    return walked


def _fill(path: str, objects: dict[str, str]) -> str:
    return PARAM.sub(lambda m: objects.get(m.group(1), "AAAAAAAAAAAAAAAAAAAAAA"), path)


def _alices_rows(s: Session, alice: int) -> tuple[str, str, str, str]:
    """A play in alice's history, an ad break handed to her (long played through), a Wrapped share link and
    a mix made for her."""
    then = datetime(2026, 1, 5, 12, tzinfo=UTC)
    s.add(Play(user_id=alice, client_play_id="alice-play-1", track_id=None, started_at=then, updated_at=then,
               ms_played=200_000, state="ended", is_listen=True, artist_name="A", track_name="B"))  # fmt: skip
    by = f.artist(s, "Ad Voice")
    spot = f.track(s, "Ad Spot", f.album(s, "Ads", by), [by])
    campaign = AdCampaign(advertiser="Shop", track_id=spot.id, starts_at=then, ends_at=then + timedelta(days=400),
                          budget_impressions=100, cpm_cents=100)  # fmt: skip
    s.add(campaign)
    s.flush()
    brk = AdBreak(user_id=alice, campaign_id=campaign.id, duration_ms=15_000, issued_at=then)
    song = f.track(s, "Alice's Song", f.album(s, "Alice's Album", by), [by])
    mix = Mix(user_id=alice, kind="discover", slot=1, title="Discover Weekly", description="for alice",
              track_ids=json.dumps([song.id]), built_at=then)  # fmt: skip
    s.add_all([brk, mix])
    s.flush()
    snapshot = insights.get_wrapped(s, user_id=alice, period="2026", now=then)
    share = insights.create_share(s, user_id=alice, snapshot=snapshot, now=then)
    return "alice-play-1", brk.public_id, share, mix.public_id


def test_no_one_reaches_anothers_objects(client: TestClient, container: Container) -> None:
    with transaction(container.sessions) as s:
        label_a, label_b = f.label(s, "Label A"), f.label(s, "Label B")
        create_user(s, username="alice", password=PASSWORD).label_id = None
        create_user(s, username="mallory", password=PASSWORD)
        create_user(s, username="labela", password=PASSWORD, role=Role.LABEL).label_id = label_a.id
        create_user(s, username="labelb", password=PASSWORD, role=Role.LABEL).label_id = label_b.id
        label_a_id = label_a.public_id
    login(client, "alice")
    playlist = client.post("/api/playlists", json={"name": "secret", "public": False}, headers=CSRF).json()["id"]
    device = client.post("/api/me/devices", json={"name": "phone"}, headers=CSRF).json()["id"]
    job = client.post("/api/me/exports", headers=CSRF).json()["id"]
    app = register_app(client)
    client.cookies.clear()
    with container.sessions() as s:
        alice = get_user_by_name(s, username="alice")
        assert alice is not None
        alice_id = alice.public_id
    with transaction(container.sessions) as s:
        play_id, break_id, share, mix_id = _alices_rows(s, alice.id)
    objects = {
        "play_id": play_id,
        "break_id": break_id,
        "mix_id": mix_id,
        "token": share,
        "item_id": playlist,
        "kind": "playlist",
        "playlist_id": playlist,
        "id": playlist,
        "device_id": device,
        "job_id": job,
        "client_id": app.client_id,
        "label_id": label_a_id,
        "user_id": alice_id,
        "username": "alice",
        "month": "2026-01",
        "name": "alice",
    }

    login(client, "mallory")
    mallory_app = register_app(client, name="Mallory's app")
    mallory_v1 = user_token(client, mallory_app)["access_token"]
    mallory_listen = client.post("/api/me/listen-token", headers=CSRF).json()["token"]
    mallory_key = client.post("/api/me/devices", json={"name": "m"}, headers=CSRF).json()["api_key"]
    client.cookies.clear()
    callers = {
        "anonymous": {},
        "another listener": {"Authorization": f"Bearer {login(client, 'mallory')}"},
        "another label": {"Authorization": f"Bearer {login(client, 'labelb')}"},
    }
    client.cookies.clear()

    reached = []
    for method, path in _routes(container):
        url = _fill(path, objects)
        for who, headers in callers.items():
            if path.startswith("/v1/") and who != "anonymous":
                headers = {"Authorization": f"Bearer {mallory_v1}"}  # noqa: PLW2901 - /v1 takes OAuth tokens
            if path.startswith("/1/") and who != "anonymous":
                headers = {"Authorization": f"Token {mallory_listen}"}  # noqa: PLW2901 - /1 takes listen tokens
            body = BODIES.get(method)
            r = client.request(method, url, json=body, headers={**headers, **CSRF})
            if r.status_code < 300 or r.status_code >= 500:
                reached.append((who, method, url, r.status_code))
    assert reached == [], reached

    # Subsonic: its route table is its method list; every method that names a playlist, on alice's
    for method, extra in [
        ("getPlaylist", {}),
        ("updatePlaylist", {"playlistId": f"pl-{playlist}", "name": "pwned", "public": "true"}),
        ("deletePlaylist", {}),
        ("createPlaylist", {"playlistId": f"pl-{playlist}", "songId": "tr-AAAAAAAAAAAAAAAAAAAAAA"}),
        ("getPlaylists", {"username": "alice"}),
    ]:
        params = {"apiKey": mallory_key, "f": "json", "v": "1.16.1", "c": "walk", "id": f"pl-{playlist}", **extra}
        answer = client.get(f"/rest/{method}", params=params).json()["subsonic-response"]
        assert answer["status"] == "failed", (method, answer)

    # the private playlist is not among alice's public ones, to anyone
    listed = client.get(f"/v1/users/{alice_id}/playlists", headers={"Authorization": f"Bearer {mallory_v1}"})
    assert listed.status_code == 200 and playlist not in listed.text
    profile = client.get(f"/api/users/{alice_id}", headers=callers["another listener"])
    assert profile.status_code == 200 and playlist not in profile.text and "secret" not in profile.text
    # and nothing of alice's changed
    with container.sessions() as s:
        row = s.scalar(select(Playlist).where(Playlist.public_id == playlist))
        assert row is not None and row.name == "secret" and not row.public
        alice_row = get_user_by_name(s, username="alice")
        assert alice_row is not None
        # the admin routes on an account (disable, delete, password reset) did nothing to hers
        assert alice_row.is_active and not alice_row.must_reset_password
        assert not erase_requested(s, user_id=alice_row.id)
        assert s.scalar(select(func.count()).select_from(Device).where(Device.user_id == alice_row.id)) == 1
        assert s.scalar(select(func.count()).select_from(OAuthApp).where(OAuthApp.owner_id == alice_row.id)) == 1
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == alice_row.id)) == 1
        assert s.scalar(select(AdBreak.completed_at).where(AdBreak.public_id == break_id)) is None
        assert s.scalar(select(Mix.saved_playlist).where(Mix.public_id == mix_id)) is None
        assert insights.resolve_share(s, token=share)[0] == alice_row.id
    owner = {"Authorization": f"Bearer {login(client, 'alice')}"}
    assert client.get(f"/api/me/jobs/{job}", headers=owner).status_code == 200
    assert client.get(f"/api/playlists/{playlist}", headers=owner).status_code == 200


def test_no_one_but_an_admin_gets_a_2xx_from_an_admin_route(client: TestClient, container: Container) -> None:
    """Every `/api/admin/` route of the table (those with no owned object in their path too, as the spot upload
    `POST /api/admin/ad-spots`), asked by no one, a listener and a label's account: none answers 2xx, and none
    of them makes a track or a campaign."""
    routes = [
        (method.upper(), path)
        for path, ops in create_api(container).openapi()["paths"].items()
        if path.startswith("/api/admin/")
        for method in ops
    ]
    assert ("POST", "/api/admin/ad-spots") in routes and len(routes) >= 10
    with transaction(container.sessions) as s:
        create_user(s, username="mallory", password=PASSWORD)
        create_user(s, username="labelc", password=PASSWORD, role=Role.LABEL).label_id = f.label(s, "Label C").id
    callers: dict[str, dict[str, str]] = {"anonymous": dict(CSRF)}
    for name in ("mallory", "labelc"):
        callers[name] = {"Authorization": f"Bearer {login(client, name)}", **CSRF}
        client.cookies.clear()
    for who, headers in callers.items():
        for method, path in routes:
            r = client.request(method, _fill(path, {}), json=BODIES.get(method), headers=headers)
            assert not 200 <= r.status_code < 300, (who, method, path, r.status_code)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AdCampaign)) == 0
        assert s.scalar(select(func.count()).select_from(Track)) == 0
