"""Two look-alike labels named at the same moment (two `encore user create --label` or two ingests, each its own
transaction): "Universal Sound Group" and the same name with a Cyrillic "\u043e". Their keys differ, so no unique
index stops the second: only the catalogue's version row, which `upsert_label` takes before it reads every label's
name (`_hold_new`), makes the later one read the earlier one's label. The window is held open: each racer waits
after its reading until the other has read too, or is seen waiting for a lock (PostgreSQL; on SQLite the wait is in
its busy handler, and the window's 3 s pass)."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import Label
from encore.catalog import _write as write
from encore.kernel import Conflict
from tests.support.races import Window, lock_waits, race

NAMES = ("Universal Sound Group", "Universal Sound Gr\u043eup")


def _name(name: str, *, refuse: bool) -> Callable[[Session], str]:
    def move(s: Session) -> str:
        try:
            return f"label {catalog.upsert_label(s, name=name, kind=None, refuse_look_alike=refuse).id}"
        except Conflict as exc:
            return str(exc.code)

    return move


@pytest.mark.parametrize("refuse", [True, False], ids=["operators", "file-tags"])
def test_two_look_alike_labels_named_at_once_make_one(
    container: Container, monkeypatch: pytest.MonkeyPatch, refuse: bool
) -> None:
    with lock_waits(container) as held:
        window, read = Window(2, held), write._label_read_as

        def read_then_meet(s: Session, name: str) -> Label | None:
            found = read(s, name)
            window.meet()
            return found

        monkeypatch.setattr(write, "_label_read_as", read_then_meet)
        done = race(container, [_name(name, refuse=refuse) for name in NAMES])
    with container.sessions() as s:
        made = s.scalars(select(Label)).all()
    assert len(made) == 1, [label.name for label in made]
    if refuse:  # one is made; the other operator is told which label their name reads as
        assert sorted(done) == sorted([f"label {made[0].id}", "label_look_alike"]), done
    else:  # the file tagged with either is filed under the one label
        assert done == [f"label {made[0].id}"] * 2, done
