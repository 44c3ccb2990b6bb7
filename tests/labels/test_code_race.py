"""Two labels setting the same ISRC (a recording) or UPC (a release) at the same moment: one is refused, in the
words the later of two sequential edits gets (`isrc_taken`, `upc_taken`, the form's field sentence). There is
no unique index (a label may carry its own ISRC on several tracks), and each racer checked before the other's
write was committed, so both codes were kept. The window is held open: every racer has checked before any
goes on to write (`meet`); under the fix the later racer waits for the code's lock before its check."""

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import labels
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.kernel import Conflict
from encore.labels import ReleaseForm
from encore.labels._release_rules import TrackForm
from tests.catalog import factories as f
from tests.support.races import Window, lock_waits, race

TODAY = date(2026, 11, 20)
ISRC = "USRC17607839"


def _two_labels(container: Container, *, drafts: bool = False) -> list[tuple[int, str, str]]:
    """(label id, album id, track id) of two labels' releases."""
    out = []
    with transaction(container.sessions) as s:
        for name in ("Harbour Records", "Lantern Music"):
            label = f.label(s, name)
            album = f.album(s, f"{name} Sampler", f.artist(s, f"{name} Band"), on=label)
            if drafts:
                album.status = ReleaseStatus.DRAFT.value
            track = f.track(s, "Opening", album, [album.artists[0].artist])
            out.append((label.id, album.public_id, track.public_id))
    return out


@pytest.fixture
def hold_open(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[object, str], None]]:
    """Hold the window of a module's check open: each racer waits after its check until both have checked, or
    the other is seen waiting for a lock (the fix's: it cannot check before this one commits), 3 s at most."""
    with lock_waits(container) as held:

        def hold(module: object, check: str) -> None:
            window, checked = Window(2, held), getattr(module, check)

            def check_then_meet(*args: object, **kwargs: object) -> object:
                found = checked(*args, **kwargs)
                window.meet()
                return found

            monkeypatch.setattr(module, check, check_then_meet)

        yield hold


def _edit(label_id: int, kind: str, item: str, changes: dict[str, object]) -> Callable[[Session], str]:
    def move(s: Session) -> str:
        try:
            labels.edit_metadata(s, label_id=label_id, kind=kind, item_id=item, changes=changes, today=TODAY)  # type: ignore[arg-type]
        except Conflict as exc:
            return str(exc.code)
        return "saved"

    return move


def _codes(container: Container) -> tuple[list[str | None], list[str | None]]:
    with container.sessions() as s:
        return list(s.scalars(select(Track.isrc).order_by(Track.id))), list(
            s.scalars(select(Album.upc).order_by(Album.id))
        )


def test_one_isrc_set_by_two_labels_at_once_is_kept_by_one(
    container: Container, hold_open: Callable[[object, str], None]
) -> None:
    (a, _, ta), (b, _, tb) = _two_labels(container)
    hold_open(labels._catalogue, "isrc_of_another_label")
    moves = [_edit(a, "track", ta, {"isrc": ISRC}), _edit(b, "track", tb, {"isrc": ISRC})]
    assert race(container, moves) == ["isrc_taken", "saved"]
    assert _codes(container)[0].count(ISRC) == 1


def test_one_barcode_set_by_two_labels_at_once_in_two_spellings_is_kept_by_one(
    container: Container, hold_open: Callable[[object, str], None]
) -> None:
    """A UPC-A and its EAN-13 (a leading zero) are one barcode: they are held as one."""
    (a, aa, _), (b, ab, _) = _two_labels(container)
    hold_open(labels._catalogue, "upc_of_another_label")
    moves = [_edit(a, "album", aa, {"upc": "012345678905"}), _edit(b, "album", ab, {"upc": "0012345678905"})]
    assert race(container, moves) == ["saved", "upc_taken"]
    assert len([u for u in _codes(container)[1] if u]) == 1


def test_one_isrc_put_in_two_labels_release_forms_at_once_is_refused_on_one(
    container: Container, hold_open: Callable[[object, str], None]
) -> None:
    releases = _two_labels(container, drafts=True)
    hold_open(labels._drafts, "isrc_of_another_label")

    refused: list[str] = []

    def save(label_id: int, album: str, track: str) -> Callable[[Session], str]:
        def move(s: Session) -> str:
            form = ReleaseForm(tracks=(TrackForm(track, None, "us-rc1-76-07839"),))
            try:
                labels.edit_release(s, label_id=label_id, album_id=album, form=form, today=TODAY)
            except labels.ReleaseInvalid as exc:
                refused.append(" ".join(exc.fields.values()))
                raise  # the request's edge rolls the refused form back
            return "saved"

        return move

    outcomes = race(container, [save(*r) for r in releases])
    assert outcomes.count("saved") == 1, outcomes
    assert refused == ["That ISRC belongs to another label's recording."]
    assert _codes(container)[0].count(ISRC) == 1
