"""lead28_1 (review28c L3): a song filed into a spot's release before fixmisc28 vanished with it, since the release
was unlisted. The upgrade lists again every release holding music; the spots in it stay ad audio, a release of
spots alone stays an ad release, and the catalogue's version moves. Down and up, on SQLite and PostgreSQL."""

from sqlalchemy import select, text

from encore.catalog import Album, CatalogueVersion, Track
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.catalog import factories as f
from tests.support.migrate import migrate_to


def _state(url: str) -> tuple[dict[str, bool], dict[str, bool], int]:
    engine = create_db_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        # the columns each revision has: the ORM's whole row names later ones (fix30a_1's artwork_origin)
        albums = {title: bool(is_ad) for title, is_ad in s.execute(select(Album.title, Album.is_ad))}
        tracks = {title: bool(is_ad) for title, is_ad in s.execute(select(Track.title, Track.is_ad))}
        version = s.scalars(select(CatalogueVersion.version)).one()
    engine.dispose()
    return albums, tracks, version


def test_lead28_1_lists_a_release_holding_music_again_and_keeps_its_spots_ads(database_url: str) -> None:
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        ads, band = f.artist(s, "Acme Ads"), f.artist(s, "Home Band")
        mixed = f.album(s, "Acme Sale", ads)
        f.spot(s, "Acme Spot", mixed, [ads])
        f.track(s, "A Song Tagged Acme Sale", mixed, [band], number=2)  # joined the spot's release (session 27)
        f.spot(s, "Other Spot", f.album(s, "Other Sale", ads), [ads])
        f.track(s, "Home Song", f.album(s, "Home", band), [band])
    engine.dispose()
    migrate_to(database_url, "fixmisc28_1", up=False)
    engine = create_db_engine(database_url)
    with engine.begin() as conn:  # as the code before fixmisc28 left it
        conn.execute(text("UPDATE albums SET is_ad = :yes WHERE title = 'Acme Sale'").bindparams(yes=True))
    engine.dispose()
    albums, tracks, before = _state(database_url)
    assert albums == {"Acme Sale": True, "Other Sale": True, "Home": False}
    migrate_to(database_url, "head", up=True)
    albums, tracks, after = _state(database_url)
    assert albums == {"Acme Sale": False, "Other Sale": True, "Home": False}  # the song's release listed again
    assert tracks == {"Acme Spot": True, "A Song Tagged Acme Sale": False, "Other Spot": True, "Home Song": False}
    assert after == before + 1
    migrate_to(database_url, "fixmisc28_1", up=False)  # the downgrade keeps the songs listed
    migrate_to(database_url, "head", up=True)
    assert _state(database_url) == (albums, tracks, after)  # nothing to repair: the version stays
