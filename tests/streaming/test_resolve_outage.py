"""review22b F5: the stream path's file lookup reads the catalogue's version once a second. With PostgreSQL
unreachable that read failed every request (and was tried again by each), so a track already kept could not be
served although no withdrawal can be written meanwhile; now the read is tried a second later and what is kept
serves. A lookup the cache cannot answer still needs the database and fails as before."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from encore.bootstrap import Container
from encore.db import transaction
from encore.streaming import CachedResolver
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.test_database_down import _free_port, _unreachable_at


def test_a_kept_file_serves_while_postgresql_is_unreachable(container: Container, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Band")
        kept = f.track(s, "Kept", f.album(s, "Record", artist), [artist])
        other = f.track(s, "Other", f.album(s, "Second", artist), [artist])
        add_rendition(container, s, kept)
        add_rendition(container, s, other)
        kept_id, other_id = kept.public_id, other.public_id
    resolve = CachedResolver(sessions=container.sessions, store=container.store, poll_s=0.0)  # a read per call
    assert resolve(kept_id, "vorbis160") is not None
    dead = create_engine(_unreachable_at(database_url, _free_port()), connect_args={"connect_timeout": 2})
    container.sessions.configure(bind=dead)
    try:
        assert resolve(kept_id, "vorbis160") is not None  # was: OperationalError from the version read
        with pytest.raises(OperationalError):
            resolve(other_id, "vorbis160")
    finally:
        container.sessions.configure(bind=container.engine)
        dead.dispose()
    assert resolve(other_id, "vorbis160") is not None
