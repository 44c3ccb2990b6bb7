"""An exclusive made on a release at the moment the operator takes it down (review23n F1): it lands before the
takedown or not at all. `create_exclusive` checked the album as first read, without its row's lock, so a takedown
committed between that read and the insert let an exclusive onto a taken-down release, to come out with the
restore. Deterministic: the takedown runs, in its own transaction, right after the create has read the album."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from encore import billing, exclusives, incident
from encore.bootstrap import Container
from encore.db import transaction
from encore.exclusives import Exclusive
from encore.kernel import Conflict
from tests.catalog import factories as f


def test_an_exclusive_made_as_its_release_is_taken_down_lands_before_it_or_not_at_all(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(container.sessions) as s:
        label = f.label(s, "Harbour Records")
        album = f.album(s, "Harbour Lights", f.artist(s, "Nina Vale"), on=label)
        label_id, album_id = label.id, album.public_id
    now = datetime.now(UTC)
    order: list[str] = []
    racers: list[threading.Thread] = []

    def take_down() -> None:
        with transaction(container.sessions) as s:
            incident.withdraw_album(s, album_id=album_id, actor_id=None, now=now, reason="notice")
        order.append("taken down")

    read = exclusives._service._owned_album

    def read_then_take_down(*args: object) -> object:
        found = read(*args)  # type: ignore[arg-type]
        racer = threading.Thread(target=take_down)
        racers.append(racer)
        racer.start()
        racer.join(3)  # under the row's lock the takedown waits for the create; else it commits now
        return found

    monkeypatch.setattr(exclusives._service, "_owned_album", read_then_take_down)
    try:
        with transaction(container.sessions) as s:
            exclusives.create_exclusive(
                s, label_id=label_id, kind="gallery", title="Sketchbook", description="", album_id=album_id,
                artist_id=None, track_id=None, availability=billing.Availability.PREMIUM, release_at=None, now=now,
            )  # fmt: skip
        order.append("made")
    except Conflict as exc:
        order.append(str(exc.code))
    racers[0].join(30)
    with container.sessions() as s:
        made = s.scalar(select(Exclusive.id).where(Exclusive.label_id == label_id)) is not None
    # either the exclusive came first and the takedown found it, or the takedown came first and it was refused
    assert (order, made) in ((["made", "taken down"], True), (["taken down", "taken_down"], False)), order
