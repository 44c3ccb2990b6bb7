"""A release's form saved, or its cover set, at the moment it is published: the publish is never undone. The
form read "draft", the publish was committed, and the form's save put the release back to draft (listed
nowhere, out of search) with no word to the label. Deterministic: the publish runs, in its own transaction,
right after the form (or cover) has read the release."""

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import labels
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus
from encore.db import transaction
from encore.kernel import Conflict
from encore.labels import ReleaseForm
from tests.catalog import factories as f

TODAY = date(2026, 12, 1)


def _draft(container: Container) -> tuple[int, str]:
    with transaction(container.sessions) as s:
        label = f.label(s, "Harbour Records")
        album = f.album(s, "Night Ferry", f.artist(s, "Nova Tide"), released=date(2026, 11, 1), on=label)
        album.status = ReleaseStatus.DRAFT.value
        f.track(s, "Harbour Lights", album, [album.artists[0].artist])
        return label.id, album.public_id


CHANGES: dict[str, Callable[[Session, int, str], object]] = {
    "form": lambda s, lb, a: labels.edit_release(s, label_id=lb, album_id=a, form=ReleaseForm(title="Night Ferry II"),
                                                 today=TODAY),
    "cover": lambda s, lb, a: labels.set_cover(s, label_id=lb, album_id=a, artwork_key="c0ffee"),
}  # fmt: skip


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_draft_changed_as_it_is_published_stays_published(
    container: Container, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    label_id, album_id = _draft(container)
    published: list[str] = []
    racers: list[threading.Thread] = []

    def publish() -> None:
        with transaction(container.sessions) as s:
            labels.publish(s, label_id=label_id, album_id=album_id, today=TODAY)
        published.append("published")

    read = labels._drafts.owned_album

    def read_then_publish(*args: object, **kwargs: object) -> Album:
        found = read(*args, **kwargs)  # type: ignore[arg-type]
        if not racers:  # the change's own read, once
            racer = threading.Thread(target=publish)
            racers.append(racer)
            racer.start()
            racer.join(3)  # under a row lock the publish waits for the change; it goes on after the change commits
        return found

    monkeypatch.setattr(labels._drafts, "owned_album", read_then_publish)
    outcome = "changed"
    try:
        with transaction(container.sessions) as s:
            CHANGES[change](s, label_id, album_id)
    except Conflict as exc:
        outcome = str(exc.code)
    racers[0].join(30)
    assert published == ["published"]
    # the publish came first: the form is refused as it is one after the other; a cover may be set on a published
    # release (fixlabel22), so it lands on the published release
    assert outcome == ("changed" if change == "cover" else "not_a_draft")
    with container.sessions() as s:
        status, artwork = s.execute(select(Album.status, Album.artwork_key).where(Album.public_id == album_id)).one()
    assert status == ReleaseStatus.PUBLISHED.value
    assert (artwork == "c0ffee") is (change == "cover")
