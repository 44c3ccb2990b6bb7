"""py-opensonic from PyPI: getSimilarSongs(2), getTopSongs and getArtistInfo2's similar artists come from
the recommender, only from pairs of 5+ listeners, never an ad or a track the listener may not play."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from libopensonic import AsyncConnection
from libopensonic.errors import DataNotFoundError

from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.discovery.world import World, play
from tests.discovery.world import build as build_world
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.subsonic.conftest import Listener, add_listener

pytestmark = pytest.mark.xdist_group("subsonic-discovery")


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[LiveServer, World, Listener]]:
    work: Path = tmp_path_factory.mktemp("subsonic-discovery")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        world = build_world(s, container.clock.now())
        for i, u in enumerate(world.users[:4]):  # four listeners of C2: too few for its plays to rank it
            play(s, u, world.track_rows["C2"], container.clock.now(), 100 + i)
    me = add_listener(container, "radio")
    with serve(container) as server:
        yield server, world, me
    container.close()


def _run(site: tuple[LiveServer, World, Listener], check: object) -> None:
    server, world, me = site
    url = urlsplit(server.base_url)

    async def run() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", api_key=me.api_key, port=url.port or 80, use_views=True)
        try:
            await check(conn, world)  # type: ignore[operator]
        finally:
            await conn.cleanup()

    asyncio.run(run())


def test_similar_songs_by_track_artist_and_album(site: tuple[LiveServer, World, Listener]) -> None:
    async def check(conn: AsyncConnection, w: World) -> None:
        by_track = [s.title for s in await conn.get_similar_songs2(f"tr-{w.tracks['A1']}", count=5)]
        assert by_track[0] == "B1" and not {"A1", "P1", "AD"} & set(by_track)
        by_artist = [s.title for s in await conn.get_similar_songs(f"ar-{w.artists['Ada']}", count=5)]
        assert by_artist[0] in {"B1", "B2"} and not {"A1", "A2", "P1", "AD"} & set(by_artist)
        cold = [s.title for s in await conn.get_similar_songs2(f"tr-{w.tracks['C1']}", count=5)]
        assert cold == ["C2"]  # nobody played jazz together: the catalogue answers

    _run(site, check)


def test_top_songs_and_similar_artists(site: tuple[LiveServer, World, Listener]) -> None:
    async def check(conn: AsyncConnection, w: World) -> None:
        top = [s.title for s in await conn.get_top_songs("Bo", count=5)]
        assert set(top) == {"B1", "B2"}  # no Premium-only P1 for a free listener, never the ad
        assert [s.title for s in await conn.get_top_songs("Cy", count=5)] == ["C1", "C2"]  # 4 listeners rank nothing
        assert await conn.get_top_songs("Nobody", count=5) == []
        info = await conn.get_artist_info2(f"ar-{w.artists['Ada']}", count=3)
        assert next(a.name for a in info.similar_artist or []) == "Bo"

    _run(site, check)


def test_unknown_and_wrong_kind_ids_are_error_70(site: tuple[LiveServer, World, Listener]) -> None:
    async def check(conn: AsyncConnection, w: World) -> None:
        for method, iid in (
            (conn.get_similar_songs2, "tr-" + "A" * 22),
            (conn.get_similar_songs2, f"al-{w.tracks['A1']}"),  # albums are for getSimilarSongs only
            (conn.get_similar_songs, f"tr-{w.tracks['AD']}"),  # ad audio is not music
            (conn.get_artist_info2, "ar-" + "A" * 22),
        ):
            with pytest.raises(DataNotFoundError):  # Subsonic error 70
                await method(iid)

    _run(site, check)
