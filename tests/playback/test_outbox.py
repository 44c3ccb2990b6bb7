"""The verified streams' outbox on its own: what it keeps leaves only once written (or refused for good), a
drain stops while the database is away, and what it finds that is not a record never blocks the rest. The
database's side (the byte path keeps, the minutely job drains) is tests/web/test_verified_outbox.py."""

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from encore.playback import SpoolOutbox, StateOutbox, Verified, VerifiedOutbox, _outbox
from encore.state import MemoryState, SharedState

AT = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _play(n: int) -> Verified:
    return Verified(f"user{n}", f"track{n}", f"{n:064x}", AT + timedelta(microseconds=n), 30_000 + n)


@pytest.fixture(params=["memory", "redis", "spool"])
def outbox(request: pytest.FixtureRequest, tmp_path: Path) -> VerifiedOutbox:
    if request.param == "spool":
        return SpoolOutbox(tmp_path / "outbox")
    if request.param == "redis":
        return StateOutbox(request.getfixturevalue("redis_state"))
    return StateOutbox(MemoryState())


class Db:
    def __init__(self, *, down: bool = False, refuse: frozenset[str] = frozenset()) -> None:
        self.down, self.refuse, self.tries = down, refuse, 0
        self.rows: list[Verified] = []

    def write(self, verified: Verified) -> bool:
        self.tries += 1
        if self.down:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"), connection_invalidated=True)
        if verified.play_key in self.refuse or verified in self.rows:
            return False
        self.rows.append(verified)
        return True


def test_what_is_kept_is_written_whole_once_and_leaves(outbox: VerifiedOutbox) -> None:
    plays = [_play(n) for n in range(40)]
    for play in plays:
        outbox.keep(play)
    outbox.keep(plays[0])  # the same play kept twice is one record
    db = Db(refuse=frozenset({plays[1].play_key}))  # e.g. its listener deleted the account meanwhile
    report = outbox.drain(db.write)
    assert (report.written, report.refused, report.failed) == (39, 1, 0)
    assert sorted(db.rows, key=lambda v: v.play_key) == plays[:1] + plays[2:]  # every field as kept
    assert outbox.drain(db.write).written == 0 and db.tries == 40


def test_a_drain_while_the_database_is_away_stops_and_keeps_everything(outbox: VerifiedOutbox) -> None:
    for n in range(10):
        outbox.keep(_play(n))
    db = Db(down=True)
    report = outbox.drain(db.write)
    assert report.failed == _outbox.FAILS_TO_STOP == db.tries  # a few tries, not one per record
    db.down = False
    assert outbox.drain(db.write).written == 10


def test_a_drain_writes_at_most_its_limit_and_the_rest_next_time(outbox: VerifiedOutbox) -> None:
    for n in range(7):
        outbox.keep(_play(n))
    db = Db()
    assert outbox.drain(db.write, limit=5).written == 5
    assert outbox.drain(db.write, limit=5).written == 2
    assert len(db.rows) == 7


def test_a_record_failing_alone_does_not_hold_back_the_others(outbox: VerifiedOutbox) -> None:
    for n in range(6):
        outbox.keep(_play(n))
    poison = _play(0).play_key

    def write(verified: Verified) -> bool:
        if verified.play_key == poison:
            raise ValueError("this one row always fails")
        return True

    report = outbox.drain(write)
    assert (report.written, report.failed) == (5, 1)
    assert outbox.drain(write).failed == 1  # still kept, tried again each minute


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "0" * 63, "", "0" * 64 + "\n"])
def test_a_play_key_that_is_no_hash_is_refused(outbox: VerifiedOutbox, key: str) -> None:
    with pytest.raises(ValueError, match="not a play key"):
        outbox.keep(Verified("u", "t", key, AT, 30_000))


def test_a_spool_file_that_is_not_a_record_is_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    spool = SpoolOutbox(folder)
    spool.keep(_play(1))
    folder.joinpath(f"{2:064x}.json").write_bytes(b'{"not": "a record"}')
    folder.joinpath(f"{3:064x}.json").write_bytes(b"\xff\x00 torn")
    folder.joinpath("bad-name.json").write_bytes(b'["u", "t", 1, 30000]')
    folder.joinpath(f"{4:064x}.json").write_bytes(b'["u", "t", 99999999999999999999, 30000]')
    db = Db()
    assert spool.drain(db.write).written == 1 and db.rows == [_play(1)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{2:064x}.bad", f"{3:064x}.bad", "bad-name.bad", f"{4:064x}.bad"]
    )


def test_a_state_entry_that_is_not_a_record_is_dropped(state: SharedState) -> None:
    outbox = StateOutbox(state)
    outbox.keep(_play(1))
    key = _outbox._bucket(_play(1).play_key)
    state.update([key], lambda docs: ([{"p": {**docs[0]["p"], "x" * 64: "junk"}}], None), ttl_s=[None])  # type: ignore[index]
    db = Db()
    assert outbox.drain(db.write).written == 1
    assert state.get(key) is None


def test_a_full_bucket_refuses_more(state: SharedState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_outbox, "BUCKET_MAX", 2)
    monkeypatch.setattr(_outbox, "BUCKETS", 1)
    outbox = StateOutbox(state)
    outbox.keep(_play(1))
    outbox.keep(_play(2))
    outbox.keep(_play(2))  # the same record again still fits
    with pytest.raises(OverflowError):
        outbox.keep(_play(3))


def test_a_keep_finding_its_document_full_goes_to_the_next(state: SharedState, monkeypatch: pytest.MonkeyPatch) -> None:
    """review23f F2: the sixteen documents of the layout before held up to 20,000 records each; after an upgrade
    a keep whose own document was one of them was refused as "full" (the play lost) while 240 others were empty.
    It now goes to the next document with room, and the drain, which reads them all, writes each record once."""
    monkeypatch.setattr(_outbox, "BUCKET_MAX", 2)
    outbox = StateOutbox(state)
    home = _outbox._bucket(_play(3).play_key)
    old = {"p": {_play(n).play_key: _outbox._fields(_play(n)) for n in (1, 2)}}  # full, as an old document
    state.update([home], lambda docs: ([old], None), ttl_s=[None])
    outbox.keep(_play(3))
    assert _play(3).play_key not in (state.get(home) or {})["p"]
    db = Db()
    assert outbox.drain(db.write).written == 3
    assert sorted(v.play_key for v in db.rows) == sorted(_play(n).play_key for n in (1, 2, 3))
    assert outbox.drain(db.write).written == 0


class Poisoned(Db):
    """The database answers, but the write of some records always fails on its own (a value it rejects, a bug)."""

    def __init__(self, poison: set[str]) -> None:
        super().__init__()
        self.poison = poison

    def write(self, verified: Verified) -> bool:
        if verified.play_key in self.poison:
            self.tries += 1
            raise IntegrityError("INSERT", {}, Exception("a value this record alone carries"))
        return super().write(verified)


def test_records_that_always_fail_on_their_own_hold_back_no_others(outbox: VerifiedOutbox) -> None:
    for n in range(10):
        outbox.keep(_play(n))
    db = Poisoned({_play(n).play_key for n in range(4)})  # first in every order the outboxes drain in
    report = outbox.drain(db.write)
    assert (report.written, report.failed) == (6, 4), "a record failing alone neither stops the drain nor leaves"
    assert outbox.drain(db.write) == _outbox.Drained(failed=4)


def test_a_record_failing_on_its_own_is_set_aside_after_repeated_drains(
    outbox: VerifiedOutbox, caplog: pytest.LogCaptureFixture
) -> None:
    outbox.keep(_play(0))
    db = Poisoned({_play(0).play_key})
    for minute in range(_outbox.SET_ASIDE):
        outbox.keep(_play(100 + minute))  # others are written meanwhile: the database answers
        assert outbox.drain(db.write) == _outbox.Drained(written=1, failed=1)
    assert caplog.text.count("set aside a kept verified stream whose write failed on its own in 10 drains") == 1
    assert db.tries == 2 * _outbox.SET_ASIDE
    assert outbox.drain(db.write) == _outbox.Drained(), "set aside: no longer tried"
    assert db.tries == 2 * _outbox.SET_ASIDE


def test_a_failure_while_nothing_is_written_sets_nothing_aside(outbox: VerifiedOutbox) -> None:
    """Every record failing alike (a bug, not one record) while nothing is written sets none aside."""
    outbox.keep(_play(0))
    db = Poisoned({_play(0).play_key})
    for _ in range(_outbox.SET_ASIDE + 1):
        assert outbox.drain(db.write) == _outbox.Drained(failed=1)
    db.poison.clear()
    assert outbox.drain(db.write) == _outbox.Drained(written=1)


def test_a_spool_record_set_aside_is_a_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    spool = SpoolOutbox(folder)
    spool.keep(_play(0))
    db = Poisoned({_play(0).play_key})
    for minute in range(_outbox.SET_ASIDE):
        spool.keep(_play(100 + minute))
        spool.drain(db.write)
    # beside it, its failures and when it was kept (a retry is judged by then)
    assert sorted(p.name for p in folder.iterdir()) == [f"{0:064x}.bad", f"{0:064x}.fails", f"{0:064x}.kept"]
    assert orjson.loads(folder.joinpath(f"{0:064x}.bad").read_bytes()) == _outbox._fields(_play(0))


def test_a_full_bucket_document_stays_small(outbox: VerifiedOutbox) -> None:
    """A keep rewrites its whole document (compare-and-set): a full one stays small whatever the backlog
    (review23m M5: 20,000 records, 2.8 MB, cost ~150 ms a keep in a script blocking Redis)."""
    widest = Verified("u" * 22, "t" * 22, "f" * 64, datetime(9999, 12, 31, tzinfo=UTC), 10**9)
    keys = [f"{n:064x}" for n in range(_outbox.BUCKET_MAX)]
    full = {
        "p": {k: _outbox._fields(widest) for k in keys},
        "f": dict.fromkeys(keys, _outbox.SET_ASIDE),
        "a": dict.fromkeys(keys, 2**33),
    }
    assert len(orjson.dumps(full)) <= 384 * 1024  # every record failed and set aside: the worst there is
    assert _outbox.BUCKETS * _outbox.BUCKET_MAX >= 320_000, "as many records in all as before"


def test_a_keep_that_fails_half_way_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "outbox"
    spool = SpoolOutbox(folder)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", full)
        with pytest.raises(OSError, match="No space"):
            spool.keep(_play(1))
    assert list(folder.iterdir()) == []


def test_a_drain_removes_stale_temporary_files_only(tmp_path: Path) -> None:
    """A keep that died between its write and its rename (a crash) left a temporary file."""
    folder = tmp_path / "outbox"
    spool = SpoolOutbox(folder)
    spool.keep(_play(1))
    stale, fresh = folder / f".{1:064x}.11.22.tmp", folder / f".{2:064x}.33.44.tmp"
    stale.write_bytes(b"[")
    fresh.write_bytes(b"[")  # a keep in flight now
    old = stale.stat().st_mtime - _outbox.TMP_STALE_S - 1
    os.utime(stale, (old, old))
    assert spool.drain(Db().write).written == 1
    assert [p.name for p in folder.iterdir()] == [fresh.name]
