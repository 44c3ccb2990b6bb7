"""py-opensonic from PyPI reads lyrics: the songLyrics extension is listed, getLyricsBySongId gives synced
lines with start in ms, language and offset (or plain lines), the legacy getLyrics finds by artist and title."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from libopensonic import AsyncConnection
from libopensonic.errors import DataNotFoundError

from encore import lyrics
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.subsonic.conftest import Listener, add_listener

pytestmark = pytest.mark.xdist_group("subsonic-lyrics")


@dataclass
class Site:
    server: LiveServer
    me: Listener
    ids: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    work: Path = tmp_path_factory.mktemp("subsonic-lyrics")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        band = f.artist(s, "Émilie Band")
        album = f.album(s, "Words", band)
        synced = f.track(s, "Sing Along", album, [band], number=1)
        plain = f.track(s, "Just Text", album, [band], number=2)
        bare = f.track(s, "Instrumental", album, [band], number=3)
        lrc = "[offset:-250]\n[la:fra]\n[00:03.00]Deux\n[00:01.50]Un\n"
        lyrics.save_lyrics(s, track_id=synced.id, lyrics=lyrics.parse(lrc), source=lyrics.Source.SIDECAR)
        words = lyrics.parse("First words\nSecond words")
        lyrics.save_lyrics(s, track_id=plain.id, lyrics=words, source=lyrics.Source.EMBEDDED)
        ids = {"synced": synced.public_id, "plain": plain.public_id, "bare": bare.public_id}
    me = add_listener(container, "singer")
    with serve(container) as server:
        yield Site(server, me, ids)
    container.close()


def _run(site: Site, check: Callable[[AsyncConnection], Awaitable[None]]) -> None:
    url = urlsplit(site.server.base_url)

    async def run() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80, use_views=True)
        try:
            await check(conn)
        finally:
            await conn.cleanup()

    asyncio.run(run())


def test_the_extension_is_listed_and_structured_lyrics_come_back(site: Site) -> None:
    async def check(conn: AsyncConnection) -> None:
        names = {e.name: e.versions for e in await conn.get_open_subsonic_extensions()}
        assert names["songLyrics"] == [1]
        [synced] = await conn.get_lyrics_by_song_id(f"tr-{site.ids['synced']}")
        assert synced.synced and synced.lang == "fra" and synced.offset == -250
        assert synced.display_title == "Sing Along" and synced.display_artist == "Émilie Band"
        assert [(line.start, line.value) for line in synced.line] == [(1500, "Un"), (3000, "Deux")]
        [plain] = await conn.get_lyrics_by_song_id(f"tr-{site.ids['plain']}")
        assert not plain.synced and plain.lang == "und"
        assert [(line.start, line.value) for line in plain.line] == [(None, "First words"), (None, "Second words")]
        assert await conn.get_lyrics_by_song_id(f"tr-{site.ids['bare']}") == []
        with pytest.raises(DataNotFoundError):
            await conn.get_lyrics_by_song_id("tr-AAAAAAAAAAAAAAAAAAAAAA")
        with pytest.raises(DataNotFoundError):
            await conn.get_lyrics_by_song_id(f"al-{site.ids['synced']}")  # an id of the wrong kind

    _run(site, check)


def test_legacy_get_lyrics_by_artist_and_title(site: Site) -> None:
    async def check(conn: AsyncConnection) -> None:
        found = await conn.get_lyrics(artist="emilie band", title="SING ALONG")
        assert found.artist == "Émilie Band" and found.title == "Sing Along" and found.value == "Un\nDeux"
        assert (await conn.get_lyrics(title="Just Text")).value == "First words\nSecond words"
        assert (await conn.get_lyrics(artist="Someone Else", title="Sing Along")).value == ""
        assert (await conn.get_lyrics(artist="Émilie Band", title="Instrumental")).value == ""

    _run(site, check)


def test_xml_lines_carry_their_start(site: Site) -> None:
    with TestClient(create_app(site.server.container), base_url="http://testserver") as http:
        r = http.get(
            "/rest/getLyricsBySongId",
            params={"id": f"tr-{site.ids['synced']}", "apiKey": site.me.api_key, "v": "1.16.1", "c": "t"},
        )
    assert r.status_code == 200
    assert '<line start="1500">Un</line>' in r.text and 'synced="true"' in r.text and 'lang="fra"' in r.text
