"""review25c's Subsonic findings, each through the client that would notice: py-sonic and py-opensonic, on
SQLite and PostgreSQL (the `site` fixture runs this module on both)."""

import asyncio
import hashlib
import io
from datetime import datetime
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import av
import httpx
import libsonic
import pytest
from libopensonic import AsyncConnection
from libopensonic.errors import SonicError
from PIL import Image

from encore import incident
from encore.db import transaction
from tests.web.subsonic.conftest import Site


def _py_sonic(site: Site, username: str = "listener", password: str | None = None) -> libsonic.Connection:
    url = urlsplit(site.base_url)
    secret = password or (site.me.app_password if username == "listener" else site.other.app_password)
    return libsonic.Connection(f"http://{url.hostname}", username, secret, port=url.port or 80, appName="py-sonic")


def _opensonic(site: Site, api_key: str) -> AsyncConnection:
    url = urlsplit(site.base_url)
    return AsyncConnection(f"http://{url.hostname}", api_key=api_key, port=url.port or 80)


def _codec(data: bytes) -> str:
    with av.open(io.BytesIO(data)) as c:
        return str(c.streams.audio[0].codec_context.name)


def _first_song(conn: libsonic.Connection) -> dict[str, object]:
    album = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    song: dict[str, object] = conn.getAlbum(album["id"])["album"]["song"][0]
    return song


def test_a_format_encore_does_not_make_is_no_preference(site: Site) -> None:
    """review25c M3: `stream?format=aac` (an Android app's transcode setting) or `flac` failed the whole stream
    with `unknown_format`. `format` is the *preferred* target: one Encore does not make gets what no format gets,
    the stored file, or MP3 under a lower maxBitRate; what is not a format name at all is refused in words."""
    conn = _py_sonic(site)
    song = _first_song(conn)
    plain = conn.stream(song["id"])
    assert _codec(plain.read()) == "vorbis"
    for fmt in ("aac", "m4a", "flac"):
        res = conn.stream(song["id"], tformat=fmt)
        assert res.headers["Content-Type"].startswith("audio/ogg"), fmt
        assert _codec(res.read()) == "vorbis", fmt
    low = conn.stream(song["id"], tformat="aac", maxBitRate=64)
    assert low.headers["Content-Type"] == "audio/mpeg"
    assert _codec(low.read()).startswith("mp3")
    with pytest.raises(libsonic.errors.SonicError, match="format must be a format name such as raw, mp3"):
        conn.stream(song["id"], tformat="../../etc/passwd")

    async def opensonic() -> None:
        api = _opensonic(site, site.me.api_key)
        try:
            res = await api.stream(str(song["id"]), tformat="flac", max_bit_rate=128)
            assert res.headers["Content-Type"].startswith("audio/ogg")  # opus96 fits under 128
            assert _codec(await res.read()) == "opus"
            with pytest.raises(SonicError, match="format must be a format name"):
                await api.stream(str(song["id"]), tformat="mp3;rm -rf")
        finally:
            await api.cleanup()

    asyncio.run(opensonic())


def test_cover_art_size_zero_is_the_largest_image(site: Site) -> None:
    """review25c L9: `getCoverArt?size=0` (Navidrome's "original") was refused, so py-sonic raised. Encore keeps
    no original, so it is the largest rendering, as no size is; what is not a number is still refused."""
    conn = _py_sonic(site)
    album = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    zero = conn.getCoverArt(album["coverArt"], size=0).read()
    assert zero == conn.getCoverArt(album["coverArt"]).read()
    assert Image.open(io.BytesIO(zero)).size == (640, 640)
    for bad in ("-1", "big"):
        with pytest.raises(libsonic.errors.SonicError, match="size must be a whole number"):
            conn.getCoverArt(album["coverArt"], size=bad)


def test_a_short_salt_is_named_not_called_missing(site: Site) -> None:
    """review25c L4: a token with a 3-character salt was told "required parameter is missing", though `t` and
    `s` were both sent. It is wrong credentials (40), and the message says what is wrong with them."""
    conn = _py_sonic(site)
    good = httpx.get(f"{site.base_url}/rest/ping", params=_token(site, "abcdef"))
    assert good.json()["subsonic-response"]["status"] == "ok"
    for salt in ("xyz", "abcde"):
        body = httpx.get(f"{site.base_url}/rest/ping", params=_token(site, salt)).json()["subsonic-response"]
        assert body["error"] == {"code": 40, "message": "the salt (s) must be at least 6 characters"}, salt
    assert conn.ping()  # py-sonic's own 12-character salts are unaffected


def _token(site: Site, salt: str) -> dict[str, str]:
    token = hashlib.md5((site.me.app_password + salt).encode()).hexdigest()
    return {"u": "listener", "t": token, "s": salt, "v": "1.16.1", "c": "t", "f": "json"}


@pytest.mark.parametrize("path", ["raw", "form", "multipart"])
def test_a_value_that_is_not_utf8_is_refused_and_nothing_is_stored(site: Site, path: str) -> None:
    """review25c L12: `createPlaylist?name=%ED%A0%80` stored the name "\ufffd\ufffd\ufffd" (the parse's
    replacement characters). Now the call is refused, naming the parameter, and no playlist is made; the same
    name sent as UTF-8 (including a real U+FFFD, %EF%BF%BD) is kept exactly. A multipart form's bytes are its
    text (no percent-escapes): its bad bytes were stored as Latin-1's reading of them ("ÿ", "í\xa0\x80"), and
    are refused the same way (session 25's leftover)."""
    conn = _py_sonic(site)
    before = {p["name"] for p in conn.getPlaylists()["playlists"].get("playlist", [])}
    auth = f"apiKey={site.me.api_key}&f=json"
    url = f"{site.base_url}/rest/createPlaylist"
    hint = "(percent-encode the text's UTF-8 bytes)" if path != "multipart" else ": send the text's UTF-8 bytes"
    for bad in ("%ED%A0%80", "a%C0%AFb", "%FF"):
        if path == "raw":  # a plain GET: Encore's own ASGI path for /rest/
            r = httpx.get(f"{url}?{auth}&name={bad}")
        elif path == "form":  # a POSTed form, through the FastAPI route
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            r = httpx.post(f"{url}?{auth}", content=f"name={bad}".encode(), headers=headers)
        else:
            r = httpx.post(f"{url}?{auth}", content=_multipart([(b"name", unquote_to_bytes(bad))]), headers=_PARTS)
        body = r.json()["subsonic-response"]
        assert body["error"] == {"code": 0, "message": f"parameter name is not valid UTF-8 {hint}".replace(" :", ":")}
    if path == "multipart":  # a field's name that is not UTF-8 is named as well as it can be
        r = httpx.post(f"{url}?{auth}", content=_multipart([(b"n\xe4me", b"x"), (b"name", b"y")]), headers=_PARTS)
        assert r.json()["subsonic-response"]["error"]["message"].startswith("parameter n\ufffdme is not valid")
        r = httpx.post(
            f"{url}?{auth}", content=_multipart([(b"name", "caf\u00e9\ufffd-multipart".encode())]), headers=_PARTS
        )
        assert r.json()["subsonic-response"]["status"] == "ok"
        latin = {"Content-Type": _PARTS["Content-Type"] + "; charset=iso-8859-1"}  # the form says how to read it
        r = httpx.post(f"{url}?{auth}", content=_multipart([(b"name", b"Gr\xfcn")]), headers=latin)
        assert r.json()["subsonic-response"]["status"] == "ok"
        after = {p["name"] for p in conn.getPlaylists()["playlists"].get("playlist", [])}
        assert after - before == {"caf\u00e9\ufffd-multipart", "Gr\u00fcn"}
        return
    r = httpx.get(f"{url}?{auth}&name=caf%C3%A9%EF%BF%BD-{path}")
    assert r.json()["subsonic-response"]["status"] == "ok"
    after = {p["name"] for p in conn.getPlaylists()["playlists"].get("playlist", [])}
    assert after - before == {f"caf\u00e9\ufffd-{path}"}


_BOUNDARY = "encore-boundary-26"
_PARTS = {"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"}


def _multipart(fields: list[tuple[bytes, bytes]]) -> bytes:
    """A multipart/form-data body of these fields, byte for byte (httpx would encode the text itself)."""
    boundary = _BOUNDARY.encode()
    parts = [b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, n, v) for n, v in fields]
    return b"".join(parts) + b"--%s--\r\n" % boundary


def _shared_and_private(site: Site) -> tuple[str, str, str]:
    """Two playlists of `listener`'s holding one song: one made public, one left private."""
    mine = _py_sonic(site)
    song = _first_song(mine)
    shared = mine.createPlaylist(name="L8 shared", songIds=[song["id"]])["playlist"]["id"]
    secret = mine.createPlaylist(name="L8 private", songIds=[song["id"]])["playlist"]["id"]
    made_public = httpx.get(
        f"{site.base_url}/rest/updatePlaylist",
        params={"apiKey": site.me.api_key, "f": "json", "playlistId": shared, "public": "true"},
    )
    assert made_public.json()["subsonic-response"]["status"] == "ok"
    return shared, secret, str(song["id"])


def test_another_listeners_public_playlist_is_read_only_under_its_owners_display_name(site: Site) -> None:
    """review25c L7: getPlaylist of another listener's public playlist said `readonly: false`. Its `owner` is the
    owner's display name, never their login name (review25o M2); the caller's own lists carry its username."""
    mine = _py_sonic(site)
    shared, secret, song = _shared_and_private(site)
    try:
        own = mine.getPlaylist(shared)["playlist"]
        assert own["owner"] == "listener" and own["readonly"] is False

        async def as_other() -> None:
            api = _opensonic(site, site.other.api_key)
            try:
                full = await api.get_playlist(shared)
                assert full.owner == "Listener Fan" and full.readonly is True  # the display name, not "listener"
                assert [e.id for e in full.entry or []] == [song]
                with pytest.raises(SonicError):  # another's private list: not found
                    await api.get_playlist(secret)
            finally:
                await api.cleanup()

        asyncio.run(as_other())
        with pytest.raises(libsonic.errors.SonicError):  # read-only is what it says: the owner's list is not changed
            _py_sonic(site, "other").updatePlaylist(shared, name="mine now")
        assert mine.getPlaylist(shared)["playlist"]["name"] == "L8 shared"
    finally:
        mine.deletePlaylist(shared)
        mine.deletePlaylist(secret)


def test_another_listeners_public_playlist_is_listed_and_a_private_one_is_not(site: Site) -> None:
    """review25c L8: getPlaylists left out other listeners' public playlists (the spec: "all playlists a user is
    allowed to play"), though getPlaylist opened them by id. Another's private playlist is listed to nobody."""
    mine = _py_sonic(site)
    shared, secret, _song = _shared_and_private(site)
    try:
        own = {p["id"]: p for p in mine.getPlaylists()["playlists"]["playlist"]}
        assert own[shared]["owner"] == own[secret]["owner"] == "listener"
        assert own[shared]["readonly"] is False and own[secret]["readonly"] is False

        async def as_other() -> None:
            api = _opensonic(site, site.other.api_key)
            try:
                listed = {p.id: p for p in await api.get_playlists()}
                assert shared in listed and secret not in listed
                assert "L8 private" not in {p.name for p in listed.values()}
                assert listed[shared].owner == "Listener Fan" and listed[shared].readonly is True  # not the login
            finally:
                await api.cleanup()

        asyncio.run(as_other())
        theirs = _py_sonic(site, "other").getPlaylists()["playlists"]["playlist"]
        assert shared in {p["id"] for p in theirs} and secret not in {p["id"] for p in theirs}
    finally:
        mine.deletePlaylist(shared)
        mine.deletePlaylist(secret)


def test_songs_carry_year_created_and_size(site: Site) -> None:
    """review25c L10: songs had no `year`, `created` or `size`, though their album had a year: clients' year and
    decade filters, "recently added" and offline sizes got nothing. `size` is the bytes a download sends; the
    album's songs (the catalogue's cached path) and a playlist's entries (the listener's lists' path) agree."""
    conn = _py_sonic(site)
    album = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    songs = conn.getAlbum(album["id"])["album"]["song"]
    for song in songs:
        assert song["year"] == album["year"], song
        assert datetime.fromisoformat(song["created"].replace("Z", "+00:00")).year >= 2000
    first = songs[0]
    assert first["size"] == len(conn.download(first["id"]).read())
    assert conn.getSong(first["id"])["song"]["size"] == first["size"]
    pid = conn.createPlaylist(name="L10 sizes", songIds=[first["id"]])["playlist"]["id"]
    try:
        entry = conn.getPlaylist(pid)["playlist"]["entry"][0]
        assert (entry["size"], entry["year"], entry["created"]) == (first["size"], first["year"], first["created"])
    finally:
        conn.deletePlaylist(pid)


def test_an_index_sets_a_leading_article_aside(site: Site) -> None:
    """review25c L6: `ignoredArticles` ("The El La ...") was advertised but not applied, so "The Velvet Foxes"
    was indexed under T; Subsonic and Navidrome file it under V, and sort by the name without the article."""

    def letters(indexes: dict[str, list[str]]) -> None:
        assert "The Velvet Foxes" in indexes["V"] and "T" not in indexes, indexes
        assert indexes["V"] == sorted(indexes["V"], key=lambda n: n.lower().removeprefix("the "))

    legacy = _py_sonic(site).getIndexes()["indexes"]
    letters({i["name"]: [a["name"] for a in i["artist"]] for i in legacy["index"]})

    async def opensonic() -> None:
        api = _opensonic(site, site.me.api_key)
        try:
            found = await api.get_artists()
            assert "The" in (found.ignored_articles or "")
            letters({i.name: [a.name for a in i.artist or []] for i in found.index or []})
        finally:
            await api.cleanup()

    asyncio.run(opensonic())


def _ms(indexes: dict[str, Any]) -> int:
    """`lastModified` as the server sent it (ms): py-sonic hands it back in seconds, as a float."""
    return round(indexes["lastModified"] * 1000)


def _names(indexes: dict[str, Any]) -> dict[str, int]:
    """Each indexed artist's name and album count."""
    return {a["name"]: a.get("albumCount", 0) for i in indexes.get("index", []) for a in i["artist"]}


def test_indexes_say_when_the_catalogue_last_changed(site: Site) -> None:
    """review25c L5: getIndexes sent `lastModified: 0` and the whole index whatever `ifModifiedSince` said, so
    DSub or Ultrasonic could never keep theirs. `lastModified` is when the catalogue last changed; sent back as
    `ifModifiedSince`, it gets an index with no entries until something a listener can see changes (here the
    operator's takedown of an artist's only album, and its restoring), then the whole index again with a later
    time."""
    conn = _py_sonic(site)
    first = conn.getIndexes()["indexes"]
    changed = _ms(first)
    assert changed > 1_700_000_000_000 and _names(first), first  # sent as ms since the epoch, not seconds or 0
    same = conn.getIndexes(ifModifiedSince=changed / 1000)["indexes"]  # py-sonic takes seconds, sends ms
    assert _ms(same) == changed and not _names(same), same
    assert _names(conn.getIndexes(ifModifiedSince=(changed - 1) / 1000)["indexes"]) == _names(first)

    async def opensonic(since: int) -> tuple[int, bool]:
        api = _opensonic(site, site.me.api_key)
        try:  # py-opensonic takes seconds and sends them as ms
            found = await api.get_indexes(if_modified_since=since)
            return found.last_modified, bool(found.index)
        finally:
            await api.cleanup()

    assert asyncio.run(opensonic(changed // 1000 + 1)) == (changed, False)
    assert asyncio.run(opensonic(changed // 1000 - 1)) == (changed, True)

    artists = conn.getArtists()["artists"]["index"]
    alone = next(a for i in artists for a in i["artist"] if a["albumCount"] == 1 and a["name"] in _names(first))
    album = conn.getArtist(alone["id"])["artist"]["album"][0]["id"].removeprefix("al-")  # the catalogue's own id
    now = site.container.clock.now()
    with transaction(site.container.sessions) as s:
        incident.withdraw_album(s, album_id=album, actor_id=None, now=now, reason="L5")
    try:
        after = conn.getIndexes(ifModifiedSince=changed / 1000)["indexes"]
        assert _ms(after) > changed, after
        gone = {name: n for name, n in _names(first).items() if name != alone["name"]}
        assert _names(after) == gone  # its one album is gone, and so is the artist from the index
        assert not _names(conn.getIndexes(ifModifiedSince=_ms(after) / 1000)["indexes"])
    finally:
        with transaction(site.container.sessions) as s:
            incident.restore_album(s, album_id=album, actor_id=None, now=now)
    back = conn.getIndexes(ifModifiedSince=_ms(after) / 1000)["indexes"]
    assert _ms(back) > _ms(after) and _names(back) == _names(first)
    raw = {"apiKey": site.me.api_key, "f": "json", "ifModifiedSince": str(_ms(back))}
    plain = httpx.get(f"{site.base_url}/rest/getIndexes", params=raw).json()["subsonic-response"]["indexes"]
    assert plain["lastModified"] == _ms(back) and plain["index"] == []  # the protocol's own whole ms
    refused = httpx.get(
        f"{site.base_url}/rest/getIndexes",
        params={"apiKey": site.me.api_key, "f": "json", "ifModifiedSince": "yesterday"},
    ).json()["subsonic-response"]
    assert refused["error"] == {"code": 0, "message": "ifModifiedSince must be a whole number"}
