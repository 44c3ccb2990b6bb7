"""py-opensonic and py-sonic from PyPI, unmodified, drive full sessions against a live Encore."""

import asyncio
import io
import time
from urllib.parse import urlsplit

import av
import libsonic
import pytest
from libopensonic import AsyncConnection
from PIL import Image
from sqlalchemy import func, select

from encore.history import Play
from tests.web.subsonic.conftest import Site


def _decode_frames(data: bytes, at_least: int = 3) -> int:
    """Prove bytes are audio: PyAV must demux and decode a few frames."""
    frames = 0
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            assert frame.samples > 0
            frames += 1
            if frames >= at_least:
                break
    assert frames >= at_least
    return frames


def _listens(site: Site, username: str) -> int:
    from encore.accounts import User

    with site.container.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        return (
            s.scalar(select(func.count()).select_from(Play).where(Play.user_id == uid, Play.source == "subsonic")) or 0
        )


async def _opensonic_session(conn: AsyncConnection, site: Site) -> None:
    assert await conn.ping()
    extensions = await conn.get_open_subsonic_extensions()
    assert "apiKeyAuthentication" in {e.name for e in extensions}
    artists = await conn.get_artists()
    names = [a.name for index in artists.index or [] for a in index.artist or []]
    assert "Aurora Lights" in names
    albums = await conn.get_album_list2("alphabeticalByName", size=10)
    assert len(albums) == 4 and [a.name for a in albums] == sorted(a.name for a in albums)
    album = await conn.get_album(albums[0].id)
    assert album.song and album.song_count == len(album.song)
    song = album.song[0]
    found = await conn.search3("aurora")
    assert any(a.name == "Aurora Lights" for a in found.artist or [])
    everything = await conn.search3("", artist_count=0, album_count=0, song_count=5, song_offset=10)
    assert len(everything.song or []) == 2  # 12 tracks, offset 10

    res = await conn.stream(song.id)
    data = await res.read()
    assert res.headers["Content-Type"].startswith("audio/ogg")
    _decode_frames(data)
    res = await conn.stream(song.id, tformat="mp3", max_bit_rate=128)
    mp3 = await res.read()
    assert res.headers["Content-Type"] == "audio/mpeg"
    _decode_frames(mp3)

    art = await conn.get_cover_art(album.cover_art, size=300)
    image = Image.open(io.BytesIO(await art.read()))
    assert image.size[0] == 300

    await conn.create_playlist(name="On the bus", song_ids=[s.id for s in album.song[:2]])
    playlists = await conn.get_playlists()
    mine = next(p for p in playlists if p.name == "On the bus")
    full = await conn.get_playlist(mine.id)
    assert [e.id for e in full.entry or []] == [s.id for s in album.song[:2]]
    await conn.update_playlist(mine.id, song_ids_to_add=[album.song[2].id], song_indices_to_remove=[0])
    full = await conn.get_playlist(mine.id)
    assert [e.id for e in full.entry or []] == [album.song[1].id, album.song[2].id]

    await conn.star(sids=[song.id], album_ids=[album.id])
    starred = await conn.get_starred2()
    assert [s.id for s in starred.song or []] == [song.id] and [a.id for a in starred.album or []] == [album.id]
    await conn.unstar(sids=[song.id])
    assert not (await conn.get_starred2()).song

    await conn.scrobble(song.id, submission=True, listen_time=int(time.time() - 60))
    await conn.save_play_queue([s.id for s in album.song], current=album.song[1].id, position=12_000)
    queue = await conn.get_play_queue()
    assert queue.current == album.song[1].id and queue.position == 12_000
    assert [e.id for e in queue.entry or []] == [s.id for s in album.song]
    await conn.delete_playlist(mine.id)


def test_py_opensonic_session_with_api_key(site: Site) -> None:
    url = urlsplit(site.base_url)

    async def run() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80, use_views=True)
        try:
            await _opensonic_session(conn, site)
            info = await conn.token_info()
            assert info.username == "listener"
        finally:
            await conn.cleanup()

    before = _listens(site, "listener")
    asyncio.run(run())
    assert _listens(site, "listener") == before + 1


def test_py_opensonic_session_with_token_auth(site: Site) -> None:
    url = urlsplit(site.base_url)

    async def run() -> None:
        conn = AsyncConnection(
            f"http://{url.hostname}", username="other", password=site.other.app_password, port=url.port or 80
        )
        try:
            await _opensonic_session(conn, site)
        finally:
            await conn.cleanup()

    asyncio.run(run())


@pytest.mark.parametrize("legacy", [False, True], ids=["token", "enc-password"])
def test_py_sonic_session(site: Site, legacy: bool) -> None:
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(
        f"http://{url.hostname}",
        "listener",
        site.me.app_password,
        port=url.port or 80,
        appName="py-sonic-test",
        legacyAuth=legacy,
    )
    assert conn.ping()
    albums = conn.getAlbumList2("newest", size=20)["albumList2"]["album"]
    assert len(albums) == 4
    album = conn.getAlbum(albums[0]["id"])["album"]
    songs = album["song"]
    assert conn.search3("lights")["searchResult3"]["artist"]
    stream = conn.stream(songs[0]["id"], tformat="mp3", maxBitRate=96)
    _decode_frames(stream.read())
    raw = conn.download(songs[0]["id"])
    _decode_frames(raw.read())
    art = conn.getCoverArt(album["coverArt"], size=64)
    assert Image.open(io.BytesIO(art.read())).size == (64, 64)
    created = conn.createPlaylist(name=f"py-sonic {legacy}", songIds=[s["id"] for s in songs])
    pid = created["playlist"]["id"]
    assert len(conn.getPlaylist(pid)["playlist"]["entry"]) == len(songs)
    conn.star(sids=[songs[0]["id"]])
    assert conn.getStarred2()["starred2"]["song"][0]["id"] == songs[0]["id"]
    conn.unstar(sids=[songs[0]["id"]])
    conn.setRating(songs[0]["id"], 4)
    assert conn.getSong(songs[0]["id"])["song"]["userRating"] == 4
    conn.scrobble(songs[0]["id"], submission=True)
    conn.savePlayQueue([s["id"] for s in songs], current=songs[0]["id"], position=5)
    assert conn.getPlayQueue()["playQueue"]["position"] == 5
    conn.deletePlaylist(pid)


def test_now_playing_then_the_finished_scrobble_is_one_row(site: Site) -> None:
    """A Subsonic app says "now playing" when a track starts and scrobbles it when it ends: one listen, one
    row in history (it used to leave a 0 ms "playing" row beside the finished one; #18)."""
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(
        f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80, appName="py-sonic-test"
    )
    album = conn.getAlbum(conn.getAlbumList2("newest", size=1)["albumList2"]["album"][0]["id"])["album"]
    song = album["song"][0]
    before = _listens(site, "listener")
    started = int(time.time()) - song["duration"]  # seconds: py-sonic sends milliseconds
    conn.scrobble(song["id"], submission=False)
    assert conn.getNowPlaying()["nowPlaying"]["entry"][0]["id"] == song["id"]
    conn.scrobble(song["id"], submission=True, listenTime=started)
    assert _listens(site, "listener") == before + 1
    with site.container.sessions() as s:
        row = s.scalars(select(Play).where(Play.source == "subsonic").order_by(Play.id.desc())).first()
        assert row is not None and row.state == "ended" and row.ms_played > 0
    assert not conn.getNowPlaying()["nowPlaying"].get("entry")


def test_an_mp3_transcode_through_py_sonic_is_one_verified_stream(site: Site) -> None:
    """A Subsonic app that asks for MP3 gets an on-the-fly transcode; the audio it was sent is counted toward
    a verified stream as the stored files are (labels are paid for these plays too), once per play."""
    from encore.accounts import User
    from encore.catalog import Track
    from encore.playback import VerifiedStream

    def verified(track: str) -> int:
        with site.container.sessions() as s:
            where = (User.username == "other", Track.public_id == track)
            query = select(func.count()).select_from(VerifiedStream).join(User).join(Track).where(*where)
            return s.scalar(query) or 0

    settings = site.container.settings
    site.container.settings = settings.model_copy(update={"free_pace_x": 0.0})  # not about pacing
    try:
        url = urlsplit(site.base_url)
        conn = libsonic.Connection(
            f"http://{url.hostname}", "other", site.other.app_password, port=url.port or 80, appName="py-sonic"
        )
        song = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
        song_id = conn.getAlbum(song["id"])["album"]["song"][-1]["id"]
        track = song_id.removeprefix("tr-")
        assert verified(track) == 0
        _decode_frames(conn.stream(song_id, tformat="mp3", maxBitRate=96).read())  # 31-34 s of audio
        assert verified(track) == 1
        _decode_frames(conn.stream(song_id, tformat="mp3", maxBitRate=96).read())  # the same play, read again
        assert verified(track) == 1
    finally:
        site.container.settings = settings


def test_a_time_offset_past_the_end_is_an_error_both_clients_raise(site: Site) -> None:
    """probe15: `stream?format=mp3&timeOffset=400` on a 41 s track answered 200 audio/mpeg with no bytes, which a
    client read as a track that played to its end. It is now a Subsonic error (code 0) saying why, raised by both
    PyPI clients; an offset just inside the track still streams its last second."""
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(
        f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80, appName="py-sonic"
    )
    album = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    song = conn.getAlbum(album["id"])["album"]["song"][0]
    end = int(song["duration"]) + 1  # getSong rounds down: the first whole second past the end
    for offset in (end, 400):
        with pytest.raises(libsonic.errors.SonicError, match=f"timeOffset {offset} s is at or past the end"):
            conn.stream(song["id"], tformat="mp3", maxBitRate=96, timeOffset=offset)
    last = conn.stream(song["id"], tformat="mp3", maxBitRate=96, timeOffset=int(song["duration"]) - 1).read()
    _decode_frames(last, at_least=1)

    async def opensonic() -> None:
        from libopensonic.errors import SonicError

        api = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80)
        try:
            with pytest.raises(SonicError, match="past the end of the track"):
                await api.stream(song["id"], tformat="mp3", max_bit_rate=96, time_offset=400)
        finally:
            await api.cleanup()

    asyncio.run(opensonic())


@pytest.mark.parametrize(
    ("kind", "given", "missing"),
    [("byGenre", {}, "genre"), ("byYear", {}, "fromYear"), ("byYear", {"fromYear": 1990}, "toYear")],
)
def test_an_album_list_missing_its_parameter_is_error_10(
    site: Site, kind: str, given: dict[str, int], missing: str
) -> None:
    """probe21a F5: byGenre without genre and byYear without its years answered the generic code 0, where every
    other missing parameter answers 10; py-sonic maps 10 to ParameterError."""
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(
        f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80, appName="py-sonic-test"
    )
    with pytest.raises(libsonic.errors.ParameterError, match=f"required parameter is missing: {missing}"):
        conn.getAlbumList2(kind, size=5, **given)
    assert conn.getAlbumList2("byYear", size=5, fromYear=1900, toYear=2100)["albumList2"]["album"]
