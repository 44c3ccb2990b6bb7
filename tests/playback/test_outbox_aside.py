"""What the outbox keeps stays readable by the release before it (fixout24: a record that had failed a drain
carried a fifth field, which that release's drain dropped as "not a record"), and a record set aside has a
bounded life and can be seen and retried by the operator (`encore outbox`, tests/cli/test_outbox_cli.py)."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from encore.playback import SpoolOutbox, StateOutbox, Verified, VerifiedOutbox, _outbox
from encore.state import MemoryState, SharedState
from tests.playback.test_outbox import Db, Poisoned, _play

_EPOCH = _outbox._EPOCH


def _previous_release_record(key: str, fields: object) -> Verified | None:
    """The parser of the release before (git show 74139f3:src/encore/playback/_outbox.py), as it was."""
    if not isinstance(fields, list) or len(fields) != 4 or not _outbox._KEY.match(key):  # four: `_fields`
        return None
    user, track, at_us, audio_ms = fields
    if not (isinstance(user, str) and isinstance(track, str) and type(at_us) is int and type(audio_ms) is int):
        return None
    try:
        at = _EPOCH + timedelta(microseconds=at_us)
    except OverflowError:
        return None
    return Verified(user, track, key, at, audio_ms)


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["memory", "redis", "spool"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> VerifiedOutbox:
    if kind == "spool":
        return SpoolOutbox(tmp_path / "outbox")
    state = request.getfixturevalue("redis_state") if kind == "redis" else MemoryState()
    if "clock" in request.fixturenames:  # a test that moves time on
        return StateOutbox(state, now=request.getfixturevalue("clock"))
    return StateOutbox(state)


def _kept(outbox: VerifiedOutbox) -> dict[str, object]:
    """Every record the outbox holds as stored, {play key: fields}, set aside or not."""
    if isinstance(outbox, SpoolOutbox):
        folder = outbox._folder
        return {p.stem: orjson.loads(p.read_bytes()) for p in [*folder.glob("*.json"), *folder.glob("*.bad")]}
    assert isinstance(outbox, StateOutbox)
    found: dict[str, object] = {}
    for n in range(_outbox.BUCKETS):
        found |= (outbox._state.get(f"verify:outbox:{n}") or {}).get("p", {})
    return found


def _fail_alone(outbox: VerifiedOutbox, drains: int, poison: str) -> Poisoned:
    db = Poisoned({poison})
    for minute in range(drains):
        outbox.keep(_play(500 + minute))  # another record is written each time: the database answers
        outbox.drain(db.write)
    return db


def test_a_record_that_failed_a_drain_is_still_read_by_the_release_before(outbox: VerifiedOutbox) -> None:
    outbox.keep(_play(0))
    _fail_alone(outbox, 3, _play(0).play_key)
    kept = _kept(outbox)
    assert list(kept) == [_play(0).play_key]
    assert _previous_release_record(_play(0).play_key, kept[_play(0).play_key]) == _play(0), kept


def test_a_record_set_aside_is_still_read_by_the_release_before(outbox: VerifiedOutbox) -> None:
    """That release tries it again (it sets nothing aside): it is never lost by a rollback."""
    outbox.keep(_play(0))
    _fail_alone(outbox, _outbox.SET_ASIDE, _play(0).play_key)
    assert [a.name for a in outbox.aside()] == [_play(0).play_key]
    fields = _kept(outbox)[_play(0).play_key]
    assert _previous_release_record(_play(0).play_key, fields) == _play(0)


def test_a_document_the_release_before_rewrote_loses_no_record(state: SharedState) -> None:
    """That release rewrites a document with its records alone: their failures start again, nothing is lost."""
    outbox = StateOutbox(state)
    outbox.keep(_play(0))
    outbox.keep(_play(1))
    earlier = _fail_alone(outbox, 2, _play(0).play_key)
    assert _play(1) in earlier.rows  # written by the first drain: the failing record alone is left in the document
    key = _outbox._bucket(_play(0).play_key)
    state.update([key], lambda docs: ([{"p": (docs[0] or {})["p"]}], None), ttl_s=[None])  # as it rewrites
    db = Db()
    assert (outbox.drain(db.write).written, db.rows) == (1, [_play(0)])
    assert _kept(outbox) == {}  # both records written, once each, and nothing left behind


def test_a_record_kept_with_its_failures_inside_is_read_and_kept_in_four_fields(state: SharedState) -> None:
    """The release that counted failures in a fifth field wrote such records: they are read, and rewritten in
    the four fields every release reads, their count kept beside them."""
    outbox = StateOutbox(state)
    key = _outbox._bucket(_play(0).play_key)
    legacy = {_play(0).play_key: [*_outbox._fields(_play(0)), 3], _play(1).play_key: [*_outbox._fields(_play(1)), 4]}
    state.update([key], lambda docs: ([{"p": legacy}], None), ttl_s=[None])
    db = Poisoned({_play(0).play_key})
    assert outbox.drain(db.write) == _outbox.Drained(written=1, failed=1)
    doc: Any = state.get(key)
    assert doc["p"] == {_play(0).play_key: _outbox._fields(_play(0))}
    assert doc["f"] == {_play(0).play_key: 4}


def test_a_spool_record_kept_with_its_failures_inside_is_rewritten_in_four_fields(tmp_path: Path) -> None:
    spool = SpoolOutbox(tmp_path)
    spool.keep(_play(1))
    tmp_path.joinpath(f"{0:064x}.json").write_bytes(orjson.dumps([*_outbox._fields(_play(0)), 9]))
    spool.drain(Poisoned({_play(0).play_key}).write)  # its tenth failure: set aside
    assert orjson.loads(tmp_path.joinpath(f"{0:064x}.bad").read_bytes()) == _outbox._fields(_play(0))
    assert [a.fails for a in spool.aside()] == [10]


def test_records_set_aside_are_listed_and_a_retry_sends_them_back(outbox: VerifiedOutbox) -> None:
    outbox.keep(_play(0))
    _fail_alone(outbox, _outbox.SET_ASIDE, _play(0).play_key)
    assert outbox.drain(Db().write) == _outbox.Drained(), "set aside: not tried"
    aside = outbox.aside()
    assert [(a.name, a.verified, a.fails) for a in aside] == [(_play(0).play_key, _play(0), _outbox.SET_ASIDE)]
    assert outbox.retry(["ffffffff"]) == 0
    assert outbox.retry([_play(0).play_key[:12].upper()]) == 1  # a prefix, as `encore outbox list` shows it
    assert outbox.aside() == []
    healthy = Db()
    assert outbox.drain(healthy.write).written == 1 and healthy.rows == [_play(0)]


def test_a_retried_record_that_fails_again_starts_its_count_again(outbox: VerifiedOutbox) -> None:
    outbox.keep(_play(0))
    _fail_alone(outbox, _outbox.SET_ASIDE, _play(0).play_key)
    assert outbox.retry(None) == 1
    _fail_alone(outbox, _outbox.SET_ASIDE - 1, _play(0).play_key)
    assert outbox.aside() == [], "nine failures after the retry: not yet set aside again"
    _fail_alone(outbox, 1, _play(0).play_key)
    assert [a.fails for a in outbox.aside()] == [_outbox.SET_ASIDE]


def test_a_record_set_aside_is_dropped_after_its_keep_time_logged_whole(
    outbox: VerifiedOutbox, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    outbox.keep(_play(0))
    _fail_alone(outbox, _outbox.SET_ASIDE, _play(0).play_key)
    outbox.keep(_play(1))
    clock.t += _outbox.ASIDE_KEEP_S - 60
    if isinstance(outbox, SpoolOutbox):
        bad = outbox._folder / f"{_play(0).play_key}.bad"
        old = bad.stat().st_mtime - _outbox.ASIDE_KEEP_S + 60
        os.utime(bad, (old, old))
    assert outbox.drain(Db().write).written == 1
    assert len(outbox.aside()) == 1, "kept until its time is up"
    clock.t += 120
    if isinstance(outbox, SpoolOutbox):
        os.utime(bad, (old - 120, old - 120))
    outbox.keep(_play(2))
    assert outbox.drain(Db().write).written == 1
    assert outbox.aside() == [] and _kept(outbox) == {}
    assert "dropped a kept verified stream set aside since" in caplog.text
    assert _play(0).play_key in caplog.text and "user0" in caplog.text, "the log holds the record whole"


def test_a_spool_file_set_aside_that_is_no_record_is_listed_not_retried(tmp_path: Path) -> None:
    spool = SpoolOutbox(tmp_path)
    tmp_path.joinpath("a" * 64 + ".json").write_bytes(b"\xff torn")
    spool.drain(Db().write)
    assert [(a.name, a.verified) for a in spool.aside()] == [("a" * 64, None)]
    assert spool.retry(None) == 0 and tmp_path.joinpath("a" * 64 + ".bad").exists()


def test_a_spool_failure_count_whose_record_is_gone_is_swept(tmp_path: Path) -> None:
    """The release before writes a record and removes its file, not the count beside it."""
    spool = SpoolOutbox(tmp_path)
    spool.keep(_play(0))
    _fail_alone(spool, 2, _play(0).play_key)
    tmp_path.joinpath(f"{_play(0).play_key}.json").unlink()
    assert tmp_path.joinpath(f"{_play(0).play_key}.fails").exists()
    spool.drain(Db().write)
    assert sorted(tmp_path.iterdir()) == []


def test_the_state_document_of_a_retry_keeps_other_records_marks(state: SharedState) -> None:
    outbox = StateOutbox(state)
    home = _outbox._bucket(_play(0).play_key)
    same = next(n for n in range(1, 10_000) if _outbox._bucket(_play(n).play_key) == home)
    outbox.keep(_play(0))
    outbox.keep(_play(same))
    db = Poisoned({_play(0).play_key, _play(same).play_key})
    for minute in range(_outbox.SET_ASIDE):
        outbox.keep(_play(20_000 + minute))
        outbox.drain(db.write)
    assert {a.name for a in outbox.aside()} == {_play(0).play_key, _play(same).play_key}
    assert outbox.retry([_play(0).play_key]) == 1
    assert [a.name for a in outbox.aside()] == [_play(same).play_key]
