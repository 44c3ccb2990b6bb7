"""An import is all or nothing: its rows stay hidden until one short publish step, a run killed mid-way
leaves nothing visible and a re-run completes it, and the same file twice adds nothing."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from encore import history, insights
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import HistoryFilter, HistoryImport, Play
from encore.insights import parse_period
from encore.kernel import ValidationFailed
from encore.portability import ImportReport, forget_range, import_history

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
ROWS = 23  # five chunks of five, the last one short


class Killed(BaseException):
    """The worker dies between two chunk commits (as SIGKILL would, nothing after it runs)."""


def _file(tmp_path: Path) -> Path:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    rows = [
        {
            "ts": (start + timedelta(hours=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ms_played": 200_000,
            "master_metadata_track_name": f"Song {i}",
            "master_metadata_album_artist_name": "Band",
            "master_metadata_album_album_name": "Album",
        }
        for i in range(ROWS)
    ]
    path = tmp_path / "Streaming_History_Audio_2024.json"
    path.write_text(json.dumps(rows))
    return path


def _seen(c: Container, user_id: int) -> tuple[int, int, int, int]:
    """(rows stored, plays the history page shows, listens the API counts, listens Wrapped counts)."""
    with transaction(c.sessions) as s:
        stored = int(s.scalar(select(func.count()).select_from(Play).where(Play.user_id == user_id)) or 0)
        page = history.browse_history(s, user_id=user_id, flt=HistoryFilter(), cursor=None, limit=5)
        listens = history.listen_count(s, user_id=user_id)
        wrapped = insights.rebuild(s, user_id=user_id, period=parse_period("2024", now=NOW), now=NOW)
        return stored, page.total or 0, listens, wrapped.listens


@pytest.fixture
def user_id(container: Container) -> int:
    with transaction(container.sessions) as s:
        return create_user(s, username="importer", password="importer-pass-1").id


def test_a_killed_import_shows_nothing_and_a_rerun_completes_it(
    container: Container, user_id: int, tmp_path: Path
) -> None:
    path = _file(tmp_path)
    chunks = 0

    def die_after_two_chunks(report: ImportReport, stage: str) -> None:
        nonlocal chunks
        if stage == "write":
            chunks += 1
            if chunks == 2:
                raise Killed

    with pytest.raises(Killed):
        import_history(
            container.sessions, user_id=user_id, path=path, name=path.name, now=NOW,
            progress=die_after_two_chunks, chunk=5,
        )  # fmt: skip
    assert _seen(container, user_id) == (10, 0, 0, 0)  # two chunks written, none of it visible

    report = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW, chunk=5)
    assert (report.imported, report.duplicates) == (ROWS - 10, 10)
    assert _seen(container, user_id) == (ROWS, ROWS, ROWS, ROWS)
    with transaction(container.sessions) as s:  # the re-run resumed the dead import, it did not start another
        imports = s.execute(select(HistoryImport.published)).all()
        assert [tuple(r) for r in imports] == [(True,)]
        assert history.pending_folds(s, user_id=user_id) == 0  # Wrapped's rollups followed the publish


def test_the_same_file_twice_adds_nothing(
    container: Container, user_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folds: list[int] = []
    real_fold = insights.fold_everyone
    monkeypatch.setattr(
        insights, "fold_everyone", lambda sessions, **kw: (folds.append(1), real_fold(sessions, **kw))[1]
    )
    path = _file(tmp_path)
    first = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW)
    again = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW)
    assert (first.imported, first.duplicates) == (ROWS, 0)
    assert (again.imported, again.duplicates) == (0, ROWS)
    assert _seen(container, user_id) == (ROWS, ROWS, ROWS, ROWS)
    assert folds == [1]  # the second showed nothing new: Wrapped's months were not folded again


def test_a_run_killed_at_the_publish_is_completed_by_a_rerun_that_writes_nothing(
    container: Container, user_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row was written before the worker died: the re-run adds no row, yet its publish shows them all,
    so their months are marked and folded as for a new import."""
    real_publish = history.publish_import

    def dies(*args: object, **kw: object) -> bool:
        raise Killed

    path = _file(tmp_path)
    monkeypatch.setattr(history, "publish_import", dies)
    with pytest.raises(Killed):
        import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW)
    assert _seen(container, user_id) == (ROWS, 0, 0, 0)
    monkeypatch.setattr(history, "publish_import", real_publish)
    report = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW)
    assert (report.imported, report.duplicates) == (0, ROWS)
    assert _seen(container, user_id) == (ROWS, ROWS, ROWS, ROWS)


def test_an_unpublished_import_hides_its_rows_from_every_reader(container: Container, user_id: int) -> None:
    """Rows tagged with an import that never published: the history, the listen count, Wrapped, the
    rollups and the plays' own queries do not see them; publishing shows them all at once."""
    at = datetime(2024, 6, 1, 12, tzinfo=UTC)
    listens = [
        history.ListenIn(at + timedelta(minutes=5 * i), "Band", f"Song {i}", ms_played=200_000) for i in range(4)
    ]
    with transaction(container.sessions) as s:
        import_id = history.open_import(s, user_id=user_id, digest="0" * 64, now=NOW)
        history.submit_listens(s, user_id=user_id, listens=listens, source="import", now=NOW, import_id=import_id)
    assert _seen(container, user_id) == (4, 0, 0, 0)
    with transaction(container.sessions) as s:
        assert history.user_listens(s, user_id=user_id, min_ts=None, max_ts=None, count=10) == []
        assert insights.available_periods(s, user_id=user_id) == []
        assert history.publish_import(s, import_id=import_id, now=NOW) is True
        assert history.publish_import(s, import_id=import_id, now=NOW) is False
        history.mark_span(s, user_id=user_id, first=at, last=at)
    assert _seen(container, user_id) == (4, 4, 4, 4)


def test_forgetting_everything_removes_an_unpublished_imports_rows_too(container: Container, user_id: int) -> None:
    """A killed import's hidden rows are the listener's plays: "delete everything" removes them, so a later
    publish of that import brings nothing back."""
    at = datetime(2024, 6, 1, 12, tzinfo=UTC)
    listens = [
        history.ListenIn(at + timedelta(minutes=5 * i), "Band", f"Song {i}", ms_played=200_000) for i in range(4)
    ]
    with transaction(container.sessions) as s:
        import_id = history.open_import(s, user_id=user_id, digest="1" * 64, now=NOW)
        history.submit_listens(s, user_id=user_id, listens=listens, source="import", now=NOW, import_id=import_id)
        history.submit_listens(
            s, user_id=user_id, listens=[history.ListenIn(at, "Other", "Seen")], source="api", now=NOW
        )
    assert _seen(container, user_id)[:2] == (5, 1)
    assert forget_range(container.sessions, user_id=user_id, since=None, until=NOW) == 5
    with transaction(container.sessions) as s:
        assert history.publish_import(s, import_id=import_id, now=NOW) is True
        history.mark_span(s, user_id=user_id, first=at, last=at + timedelta(hours=1))
    assert _seen(container, user_id) == (0, 0, 0, 0)


def test_the_file_is_parsed_once_and_its_rows_spooled_in_order(
    container: Container, user_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check pass builds every row and spools it beside the upload, so the write pass parses nothing
    again, whatever the file's size (here several spool blocks); the spool is gone once the import ends."""
    from encore.portability import _import, _spool

    reads = 0
    real = _import.iter_entries

    def counted(path: Path, *, name: str):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return real(path, name=name)

    monkeypatch.setattr(_import, "iter_entries", counted)
    monkeypatch.setattr(_spool, "BLOCK", 4)
    path = _file(tmp_path)
    report = import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW, chunk=5)
    assert reads == 1
    assert (report.imported, report.duplicates) == (ROWS, 0)
    assert _seen(container, user_id) == (ROWS, ROWS, ROWS, ROWS)
    assert not list(tmp_path.glob("*.rows"))  # no spool left behind
    with transaction(container.sessions) as s:  # in the file's order, every one of them
        names = s.scalars(select(Play.track_name).where(Play.user_id == user_id).order_by(Play.id))
        assert list(names) == [f"Song {i}" for i in range(ROWS)]


def test_a_refused_file_leaves_no_spool(container: Container, user_id: int, tmp_path: Path) -> None:
    path = tmp_path / "Streaming_History_Audio_bad.json"
    good = json.loads(_file(tmp_path).read_text())
    path.write_text(json.dumps([*good, {"ts": "2024-03-09T10:00:00Z", "ms_played": "lots"}]))
    with pytest.raises(ValidationFailed) as err:
        import_history(container.sessions, user_id=user_id, path=path, name=path.name, now=NOW)
    assert err.value.code == "wrong_schema"
    assert not list(tmp_path.glob("*.rows")) and _seen(container, user_id) == (0, 0, 0, 0)
