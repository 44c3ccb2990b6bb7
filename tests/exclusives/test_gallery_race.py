"""Images added to one gallery at the same moment (a label uploading several files at once) each get their
own place: each racer read the same last position and took the next, so all but one failed on the unique
(gallery, position) key, a 500 for an upload that was fine. The gallery's limit holds too."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import billing, exclusives
from encore.bootstrap import Container
from encore.db import transaction
from encore.exclusives import ExclusiveImage
from encore.exclusives._service import MAX_IMAGES
from tests.catalog import factories as f
from tests.support.races import claiming, race

RACERS = 6


def _gallery(container: Container) -> tuple[int, str]:
    with transaction(container.sessions) as s:
        label = f.label(s, "Harbour Records")
        album = f.album(s, "Harbour Lights", f.artist(s, "Nina Vale"), on=label)
        gallery = exclusives.create_exclusive(
            s, label_id=label.id, kind="gallery", title="Sketchbook", description="", album_id=album.public_id,
            artist_id=None, track_id=None, availability=billing.Availability.PREMIUM, release_at=None,
            now=datetime.now(UTC),
        )  # fmt: skip
        return label.id, gallery.id


def _add(label_id: int, gallery: str, key: str) -> Callable[[Session], str]:
    return claiming(
        lambda s: exclusives.add_image(s, label_id=label_id, exclusive_id=gallery, image_key=key, caption=""), "added"
    )


def _positions(container: Container) -> list[int]:
    with container.sessions() as s:
        return list(s.scalars(select(ExclusiveImage.position).order_by(ExclusiveImage.position)))


def test_images_added_to_one_gallery_at_once_each_get_a_place(container: Container) -> None:
    label_id, gallery = _gallery(container)
    assert race(container, [_add(label_id, gallery, f"img{i}") for i in range(RACERS)]) == ["added"] * RACERS
    assert _positions(container) == list(range(RACERS))


def test_the_last_place_of_a_gallery_asked_for_at_once_is_given_once(container: Container) -> None:
    label_id, gallery = _gallery(container)
    with transaction(container.sessions) as s:
        for i in range(MAX_IMAGES - 1):
            exclusives.add_image(s, label_id=label_id, exclusive_id=gallery, image_key=f"old{i}", caption="")
    outcomes = race(container, [_add(label_id, gallery, f"img{i}") for i in range(RACERS)])
    assert outcomes == ["added"] + ["gallery_full"] * (RACERS - 1), outcomes
    assert _positions(container) == list(range(MAX_IMAGES))
