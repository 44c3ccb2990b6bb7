"""review26a L3, through py-sonic and py-opensonic on SQLite and PostgreSQL (the `site` fixture runs this module on
both): Subsonic's playlist `owner` is the caller's login on its own lists, so another listener whose display name is
that login showed up as the owner of "your" lists in a client that decides "mine" by `owner == username`. Others'
names that could be a login now carry their account's tag, whoever signs up as what, and when."""

import asyncio
from urllib.parse import urlsplit

import httpx
import libsonic
from libopensonic import AsyncConnection

from encore.accounts import create_user
from encore.db import transaction
from encore.devices import create_device
from tests.web.subsonic.conftest import Site, add_listener


def _py_sonic(site: Site, username: str, password: str) -> libsonic.Connection:
    url = urlsplit(site.base_url)
    return libsonic.Connection(f"http://{url.hostname}", username, password, port=url.port or 80, appName="py-sonic")


def _named(site: Site, username: str, display_name: str) -> tuple[str, str]:
    """An account whose display name is another's login (nothing refuses it: a refusal would tell which logins
    exist), with an app password."""
    c = site.container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user = create_user(s, username=username, password="account-pass-123", display_name=display_name)
        made = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now())
        return user.public_id, made.app_password


def _public_list(site: Site, app: libsonic.Connection, login: tuple[str, str], name: str) -> str:
    album = app.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    song = str(app.getAlbum(album["id"])["album"]["song"][0]["id"])
    made = str(app.createPlaylist(name=name, songIds=[song])["playlist"]["id"])
    auth = {"u": login[0], "p": login[1], "v": "1.16.1", "c": "t", "f": "json"}  # py-sonic cannot send `public`
    r = httpx.get(f"{site.base_url}/rest/updatePlaylist", params={**auth, "playlistId": made, "public": "true"})
    assert r.json()["subsonic-response"]["status"] == "ok", r.text
    return made


def _owners(app: libsonic.Connection) -> dict[str, tuple[str, bool]]:
    return {p["id"]: (p["owner"], p["readonly"]) for p in app.getPlaylists()["playlists"]["playlist"]}


def test_a_display_name_that_is_your_login_never_owns_a_list_in_your_client(site: Site) -> None:
    public_id, password = _named(site, "mallory27", "listener")  # site.me's login
    mallory = _py_sonic(site, "mallory27", password)
    theirs = _public_list(site, mallory, ("mallory27", password), "Favourites")
    try:
        me = _py_sonic(site, site.me.username, site.me.app_password)
        owners = _owners(me)
        assert owners[theirs] == (f"listener ({public_id[:4]})", True), owners[theirs]  # was ("listener", True)
        assert all(not readonly for owner, readonly in owners.values() if owner == "listener"), owners
        assert me.getPlaylist(theirs)["playlist"]["owner"] != "listener"

        async def through_opensonic() -> str:
            url = urlsplit(site.base_url)
            api = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80)
            try:
                return str((await api.get_playlist(theirs)).owner)
            finally:
                await api.cleanup()

        assert asyncio.run(through_opensonic()) == f"listener ({public_id[:4]})"
        assert _owners(mallory)[theirs] == ("mallory27", False)  # its own: its login, as every client expects
    finally:
        mallory.deletePlaylist(theirs)


def test_a_login_made_after_the_display_name_never_owns_the_strangers_list(site: Site) -> None:
    """The other order: the display name is chosen first, the login is made later (sign-up, `encore user
    create`): nothing about the name is refused or changed then, and still the list is not the newcomer's."""
    public_id, password = _named(site, "mallory27b", "Latecomer27")
    mallory = _py_sonic(site, "mallory27b", password)
    theirs = _public_list(site, mallory, ("mallory27b", password), "Early list")
    try:
        late = add_listener(site.container, "latecomer27")
        owners = _owners(_py_sonic(site, "latecomer27", late.app_password))
        assert owners[theirs] == (f"Latecomer27 ({public_id[:4]})", True), owners[theirs]
        assert {o.casefold() for o, _ in owners.values()}.isdisjoint({"latecomer27"})
    finally:
        mallory.deletePlaylist(theirs)
