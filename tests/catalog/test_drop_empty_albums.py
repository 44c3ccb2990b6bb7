"""`drop_empty_albums`, which ingest calls for an album a track left: never a taken-down one (review22m F2), whose
row is the takedown's record (`taken_down_from`) that refuses its label's publish of its codes."""

from sqlalchemy import select

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import Album
from encore.db import transaction
from tests.catalog import factories as f


def test_an_empty_album_goes_but_not_one_taken_down(container: Container) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Nina Vale")
        kept, gone = f.album(s, "Harbour Lights", band), f.album(s, "Low Tide", band)
        kept.status, kept.taken_down_from = "withdrawn", "published"
        catalog.drop_empty_albums(s, album_ids={kept.id, gone.id})
    with container.sessions() as s:
        assert list(s.execute(select(Album.title, Album.taken_down_from))) == [("Harbour Lights", "published")]
