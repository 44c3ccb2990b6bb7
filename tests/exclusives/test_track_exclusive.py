"""A track is the audio of one exclusive at most (the unique key): a second one for it, made after the first or
at the same moment, is refused as a conflict the label can read, not a 500 from the unique index."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import billing, exclusives
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.exclusives import Exclusive
from encore.kernel import Conflict
from tests.catalog import factories as f
from tests.support.races import race


def _world(container: Container) -> tuple[int, str, str]:
    with transaction(container.sessions) as s:
        label = f.label(s, "Harbour Records")
        band = f.artist(s, "Nina Vale")
        album = f.album(s, "Harbour Lights", band, on=label)
        track = f.track(s, "Studio talk", album, [band])
        return label.id, album.public_id, track.public_id


def _create(label_id: int, album: str, track: str) -> Callable[[Session], str]:
    def move(s: Session) -> str:
        try:
            exclusives.create_exclusive(
                s, label_id=label_id, kind="interview", title="Talk", description="", album_id=album, artist_id=None,
                track_id=track, availability=billing.Availability.PREMIUM, release_at=None,
                now=datetime.now(UTC),
            )  # fmt: skip
        except Conflict as exc:
            return str(exc.code)
        return "created"

    return move


def test_a_second_exclusive_for_one_track_is_a_conflict(container: Container) -> None:
    label_id, album, track = _world(container)
    with transaction(container.sessions) as s:
        assert _create(label_id, album, track)(s) == "created"
    with transaction(container.sessions) as s:
        assert _create(label_id, album, track)(s) == "track_has_exclusive"


def test_exclusives_for_one_track_made_at_once_are_one(container: Container) -> None:
    label_id, album, track = _world(container)
    assert race(container, [_create(label_id, album, track)] * 4) == ["created"] + ["track_has_exclusive"] * 3
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Exclusive)) == 1


def test_a_withdrawn_exclusive_locks_its_track_nowhere(container: Container) -> None:
    """Lists, discovery's verdict classes and buy links read `track_contents` and `contents_in_use`: a withdrawn
    exclusive is in neither (probe20 F2: its track stayed Premium-only)."""
    label_id, album, track = _world(container)
    with transaction(container.sessions) as s:
        assert _create(label_id, album, track)(s) == "created"
    with container.sessions() as s:
        row_id = s.scalar(select(Track.id).where(Track.public_id == track))
        assert row_id is not None
        assert exclusives.track_content(s, track_id=row_id).availability is billing.Availability.PREMIUM
        assert billing.Content(billing.Availability.PREMIUM) in exclusives.contents_in_use(s)
    with transaction(container.sessions) as s:
        x = s.scalars(select(Exclusive)).one()
        exclusives.withdraw_exclusive(s, label_id=label_id, exclusive_id=x.public_id, now=datetime.now(UTC))
    with container.sessions() as s:
        assert exclusives.track_content(s, track_id=row_id) == billing.PUBLIC
        assert exclusives.contents_in_use(s) == {billing.PUBLIC}
        assert exclusives.audio_locks(s, track_ids=[row_id]) == {}
