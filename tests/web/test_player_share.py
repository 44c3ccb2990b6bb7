"""Public share pages, PWA files and security headers on the player's pages."""

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Genre
from encore.db import transaction
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" 'single' \u202eevil"
PLAYLIST_NAME = HOSTILE.replace("\u202e", "\u200f")  # a playlist refuses overrides (review24n N2), keeps marks


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.tags: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        if tag == "a":
            self.links.append(a.get("href", ""))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in in {"h1", "p"}:
            self.text.append(data)


def _parse(html: str) -> _Parsed:
    p = _Parsed()
    p.feed(html)
    return p


@pytest.fixture
def ids(container: Container) -> dict[str, str]:
    with transaction(container.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        artist = f.artist(s, HOSTILE)
        album = f.album(s, HOSTILE, artist)
        album.artwork_key = "ab" * 32
        track = f.track(s, HOSTILE, album, [artist], number=1)
        return {"artist": artist.public_id, "album": album.public_id, "track": track.public_id}


@pytest.mark.parametrize("kind", ["track", "album", "artist"])
def test_share_page_has_rich_preview_tags_and_shows_hostile_names_literally(
    client: TestClient, ids: dict[str, str], kind: str
) -> None:
    r = client.get(f"/share/{kind}/{ids[kind]}")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    page = _parse(r.text)
    assert "script" not in page.tags  # no markup got through, not even ours
    # isolated: its override stops at its end, in a link preview's title as in the tab's (probe24b F6)
    assert page.meta["og:title"] == page.meta["twitter:title"] == f"\u2068{HOSTILE}\u2069"
    assert page.title == f"\u2068{HOSTILE}\u2069 · Encore"
    assert HOSTILE in page.text
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["og:image"].startswith("http")
    assert page.meta["og:url"].endswith(f"/{kind}/{ids[kind]}")
    assert f"/{kind}/{ids[kind]}" in page.links  # "Listen on Encore" opens the item in the player
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_private_playlist_share_page_answers_like_a_missing_one(client: TestClient, ids: dict[str, str]) -> None:
    login(client, "alice")
    p = client.post("/api/playlists", json={"name": PLAYLIST_NAME}, headers=CSRF).json()
    client.post(f"/api/playlists/{p['id']}/items", json={"track_ids": [ids["track"]]}, headers=CSRF)
    client.post("/api/auth/logout", headers=CSRF)
    private = client.get(f"/share/playlist/{p['id']}")
    missing = client.get("/share/playlist/AAAAAAAAAAAAAAAAAAAAAA")
    assert private.status_code == missing.status_code == 404
    assert private.text == missing.text

    login(client, "alice")
    assert client.patch(f"/api/playlists/{p['id']}", json={"public": True}, headers=CSRF).status_code == 200
    client.post("/api/auth/logout", headers=CSRF)
    shared = client.get(f"/share/playlist/{p['id']}")
    assert shared.status_code == 200
    page = _parse(shared.text)
    assert page.meta["og:title"] == f"\u2068{PLAYLIST_NAME}\u2069" and page.meta["og:type"] == "music.playlist"
    assert page.meta["og:description"].endswith(" · 1 track")  # not "1 tracks" (probe24b F8)


@pytest.mark.parametrize("path", ["/share/nothing/abc", "/share/track/" + "x" * 300, "/share/album/%3Cscript%3E"])
def test_bad_share_links_are_a_plain_not_found(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "<script>" not in r.text


def test_pwa_files_are_served(client: TestClient) -> None:
    m = client.get("/manifest.webmanifest")
    assert m.status_code == 200 and m.headers["content-type"].startswith("application/manifest+json")
    manifest = m.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    for asset in re.findall(r'"(/[^"]*)"', sw.text.split("];")[0]):
        assert client.get(asset).status_code == 200, asset  # everything the shell caches exists
    assert "offline" in client.get("/offline").text.lower()


@pytest.mark.parametrize(
    "path", ["/", "/playlist/abc", "/queue", "/collection/tracks", "/library", "/settings", "/history"]
)
def test_deep_links_load_the_shell_with_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and '<script type="module" src="/static/app.js">' in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text  # the shell itself has no inline script


@pytest.mark.parametrize("path", ["/nowhere", "/albums/x", "/Album/abc", "/share-me/now"])
def test_an_unknown_page_asked_by_a_browser_is_the_player_saying_not_found(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in page.text  # its router shows "Not found" and the way on
    assert page.headers["x-frame-options"] == "DENY"
    machine = client.get(path, headers={"Accept": "*/*"})
    assert machine.status_code == 404 and machine.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/nowhere", "/v1/nowhere", "/rest/nowhere", "/1/nowhere", "/art/x/64.jpg"])
def test_an_unknown_path_of_a_machine_face_stays_json_for_a_browser_too(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert not r.headers["content-type"].startswith("text/html") and "app.js" not in r.text, path
    assert "error" in (r.json() if path != "/rest/nowhere" else r.text), path  # Subsonic's own shape there


def test_names_in_the_share_subtitle_are_isolated_even_with_a_stray_pop_of_their_own() -> None:
    from encore.web._share_pages import isolated

    assert isolated("Left\u202e") == "\u2068Left\u202e\u2069"
    assert isolated("Two\u2069\u202e") == "\u2068Two\u202e\u2069"  # the stray U+2069 would end the isolate early
    assert isolated("Open\u2067") == "\u2068Open\u2067\u2069\u2069"  # one the name leaves open is closed
    assert isolated("a\u2066b\u2069c") == "\u2068a\u2066b\u2069c\u2069"  # a balanced one is kept


# One path per route of the player's router (static/app.js `routes`), each answered 200 with the shell.
PLAYER_ROUTES = [
    "/", "/album/abc", "/track/abc", "/artist/abc", "/label/abc", "/mix/abc", "/playlist/abc", "/user/abc",
    "/search?q=x", "/search/tracks?q=x", "/genre", "/genre/rock", "/library", "/collection/tracks", "/queue",
    "/history", "/settings", "/label", "/admin", "/wrapped", "/wrapped/2024", "/account", "/upgrade",
    "/admin/security",
]  # fmt: skip


def test_every_route_of_the_player_is_a_200_and_the_list_is_complete(client: TestClient, container: Container) -> None:
    app_js = client.get("/static/app.js").text
    routes = app_js.split("const routes = [", 1)[1].split("\n];", 1)[0]
    assert len(re.findall(r"^\s*\[(?:/\^|new RegExp)", routes, re.M)) == len(PLAYER_ROUTES)
    with transaction(container.sessions) as s:
        s.add(Genre(key="rock", name="Rock"))
    for path in [*PLAYER_ROUTES, "/login", "/search/artists", "/wrapped/1990s"]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "path", ["/browse", "/search/playlists", "/genre/nope", "/album", "/album/a/b", "/wrapped/19999", "/user/a-b"]
)
def test_a_path_under_a_player_prefix_that_no_route_shows_is_a_404_with_the_player(
    client: TestClient, path: str
) -> None:
    """probe18 F7: these used to answer 200 and then show "Not found"; the status now says it too."""
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and '<script type="module" src="/static/app.js">' in page.text, path
