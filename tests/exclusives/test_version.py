"""The exclusives' version moves once a write to an exclusive commits (grant, withdrawal, an edit through the
ORM, a delete), never before the commit and never for a read, and leaves the catalogue's caches alone."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from encore import billing, catalog, exclusives
from encore.bootstrap import Container
from encore.db import transaction
from encore.exclusives import Exclusive
from tests.catalog import factories as f

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _moved(container: Container) -> int:
    return container.state.version(exclusives.STATE_KEY)


def test_every_committed_write_moves_the_version_after_its_commit(container: Container) -> None:
    with transaction(container.sessions) as s:
        label = f.label(s, "Bo Records")
        album = f.album(s, "Bo Two", f.artist(s, "Bo"), on=label)
        label_id, album_id = label.id, album.public_id
    before, catalogue = _moved(container), container.state.version(catalog.STATE_KEY)
    with transaction(container.sessions) as s:
        view = exclusives.create_exclusive(
            s, label_id=label_id, kind="prerelease", title="Soon", description="", album_id=album_id, artist_id=None,
            track_id=None, availability=billing.Availability.PRERELEASE, release_at=NOW + timedelta(days=1),
            now=NOW,
        )  # fmt: skip
        assert _moved(container) == before  # not before the commit: nobody may rebuild from the old rows
        assert exclusives.version(s) == before
    granted = _moved(container)
    assert granted > before
    with transaction(container.sessions) as s:
        exclusives.list_exclusives(s, user_id=0, now=NOW)  # a read moves nothing
    assert _moved(container) == granted
    with transaction(container.sessions) as s:
        s.scalars(select(Exclusive)).one().release_at = NOW + timedelta(days=2)  # an edit past the portal
    edited = _moved(container)
    assert edited > granted
    with transaction(container.sessions) as s:
        exclusives.withdraw_exclusive(s, label_id=label_id, exclusive_id=view.id, now=NOW)
    withdrawn = _moved(container)
    assert withdrawn > edited
    with transaction(container.sessions) as s:
        s.delete(s.scalars(select(Exclusive)).one())
    assert _moved(container) > withdrawn
    assert container.state.version(catalog.STATE_KEY) == catalogue  # the catalogue's caches stay


def test_what_tracks_ask_follows_the_albums_tracks_and_exclusives(container: Container) -> None:
    with transaction(container.sessions) as s:
        assert exclusives.contents_in_use(s) == {billing.PUBLIC}
        label = f.label(s, "Bo Records")
        bo = f.artist(s, "Bo")
        locked = f.album(s, "Bo Locked", bo, on=label)
        locked.availability = billing.Availability.PREMIUM.value
        track = f.track(s, "B1", f.album(s, "Bo Two", bo, on=label), [bo])
        track.availability, track.available_from = billing.Availability.PRERELEASE.value, NOW
        s.flush()
        assert exclusives.contents_in_use(s) == {
            billing.PUBLIC,
            billing.Content(billing.Availability.PREMIUM),
            billing.Content(billing.Availability.PRERELEASE, NOW),
        }
