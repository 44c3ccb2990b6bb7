"""Verified streams whose write failed, kept until they are written (review23 F3).

The byte path writes a play's record the moment it verifies, often at the response's end: a player that fetched
the whole track asks for nothing more, so a database error there lost the play for good (labels are paid on
these rows). A record is self-contained (`Verified`: public ids, its play key, its first byte, the audio sent),
so a failed write keeps it here and a minutely job (`bootstrap`: `every_minute`) writes it once the database
answers. `record_verified_stream` is idempotent per play (the unique `play_key`), so writing a record again, after
a write that did commit but whose answer was lost, counts nothing twice.

Where the records are kept follows where the jobs run:
- `StateOutbox`, with Redis: documents on the shared state, so whichever worker or node drains the minutely job
  finds what any of them kept. It lasts as long as Redis keeps its data (any process may restart).
- `SpoolOutbox`, the embedded default: one small file per record under the data dir, written whole (fsync,
  rename) before the response's end is logged, so it outlasts the process (a restart, a crash) and is drained
  by whichever process on the node runs the jobs (`encore serve`'s own, or an `encore worker`).
A record leaves either only once its write answered (written, or refused for good: a duplicate, a listener or
track gone, the at-once limit); a drain that dies half-way leaves the rest, and the ones it wrote are ignored
when written again. Only the database away or busy (`transient`) ends a drain early: a record whose write fails
for another reason (a value the database rejects, a bug) is logged and passed over, and once it has so failed
SET_ASIDE drains in which others were written it is set aside (a `.bad` file; on the state it stays in its
document, marked, and is no longer tried), so a few such records never hold back the rest (review23m M4).
A record set aside is kept ASIDE_KEEP_S for the operator (`encore outbox list`, `encore outbox retry`), then
dropped with an error log that names it whole (by then its month's statement is usually closed).

A record is kept in the four fields every release reads (`_fields`); its failures and the time it was kept are kept
beside it (the state document's "f", "a" and "k" maps; a spool's `<play key>.fails` and `<play key>.kept` files, or, for
a record kept before the `.kept` files, its record file's modification time), never in it: the release before this one
drops a record of any other length as "not a record" (fixout24), so a rollback or a mixed-version cluster
would lose it. That release rewrites a document with "p" alone: a record's failures start again, and its kept
time is lost (the drain then judges it by its track's status now, as before), nothing else.
"""

import logging
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import OperationalError

from encore.db import error_line, is_busy, is_unreachable
from encore.playback._verified import Verified
from encore.state import Doc, SharedState

log = logging.getLogger(__name__)
Write = Callable[[Verified], bool]  # writes one record in its own transaction; False: refused for good
# The state's documents the records are spread over (a record's play key picks one). A keep rewrites its whole
# document (compare-and-set), so a document stays small: many documents, each bounded, keep a keep's cost flat
# however long the outage (review23m M5: 20,000 records in one document cost ~150 ms a keep, in a script
# that blocks Redis meanwhile; 1,250 cost a few ms). Together they hold 320,000 records.
BUCKETS = 256
KEEP_TRIES = 16  # documents a keep tries, its own and the next, before it says the outbox is full
BUCKET_MAX = 1_250  # records one document holds (~200 kB): past that, `keep` refuses and the failure is logged
DRAIN_MAX = 5_000  # records one drain writes; the rest wait a minute
FAILS_TO_STOP = 3  # writes failing in a row with the database away or busy end a drain: it is still away
SET_ASIDE = 10  # drains a record failed on its own (others written) before it is set aside and no longer tried
ASIDE_KEEP_S = 31 * 86_400  # a record set aside is kept this long for the operator to see and retry, then dropped
# The longest after its first byte a record kept here may still be written: set aside after SET_ASIDE failed
# drains, dropped ASIDE_KEEP_S later; a day more for the drains before and a play verified late. A forgotten
# stream keeps its hashed key this long as the guard against such a copy, then loses it (`playback._forgotten`)
KEPT_LONGEST = timedelta(seconds=ASIDE_KEEP_S + 86_400)
TMP_STALE_S = 3600  # a spool's temporary file this old belongs to a keep that died: the drain removes it
_KEY = re.compile(r"\A[0-9a-f]{64}\Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Drained:
    """What one drain did: records written, refused for good (each leaves the outbox), and writes that failed."""

    written: int = 0
    refused: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Aside:
    """A record set aside (`encore outbox list`): `verified` None when what is kept is not a record."""

    name: str  # its play key (or a spool file's name)
    verified: Verified | None
    fails: int
    since: datetime


class VerifiedOutbox(Protocol):
    def keep(self, verified: Verified) -> None:
        """Keep `verified` until a drain writes it; raises when it cannot be kept."""

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained: ...

    def aside(self) -> list[Aside]:
        """The records set aside, for the operator."""

    def retry(self, names: Collection[str] | None) -> int:
        """Have the next drain try the records set aside whose play key starts with one of `names` (every
        one with None) as if they had never failed; how many."""


def write_or_keep(outbox: VerifiedOutbox, verified: Verified, write: Callable[[Verified], object]) -> None:
    """Write `verified` now; when that fails, keep it in `outbox` for the minutely drain. Raises (the write's
    error) only when the record could not be kept either: then nothing will write it unless its play is
    verified again (the byte path takes the play's mark back for that)."""
    try:
        write(verified)
    except Exception as failed:
        try:
            outbox.keep(verified)
        except Exception:
            log.exception("a failed verified stream's record could not be kept for a later write either")
            raise failed from None
        log.warning(
            "writing a verified stream failed %s; it is kept in the outbox and written by the minutely drain once "
            "the database answers",
            error_line(failed),
        )


def _checked(v: Verified) -> Verified:
    if not _KEY.match(v.play_key):
        raise ValueError("not a play key")
    return v


def transient(exc: BaseException) -> bool:
    """A write failed because the database is away or busy (any record would fail now): not the record's fault.
    Any OperationalError counts (SQLite has no server to be away: a full disk or an I/O error is its outage)."""
    return is_unreachable(exc) or is_busy(exc) or isinstance(exc, OperationalError)


def _fields(v: Verified) -> list[Any]:
    """A record as kept: four fields, as every release since the outbox's first reads them."""
    return [v.user, v.track, (v.first_byte_at - _EPOCH) // timedelta(microseconds=1), v.audio_ms]


def _kept(verified: Verified, at_us: object) -> Verified:
    """The record with the time it was kept (unix microseconds as kept beside it), when that reads as one."""
    if type(at_us) is not int or at_us <= 0:
        return verified
    try:
        return replace(verified, kept_at=_EPOCH + timedelta(microseconds=at_us))
    except OverflowError:
        return verified


def _record(key: str, fields: object) -> tuple[Verified, int] | None:
    """The record kept under `key` and the failures a record of one release carried as a fifth field (0 for
    four), or None when what is kept there is not one."""
    if not isinstance(fields, list) or len(fields) not in (4, 5) or not _KEY.match(key):  # `_fields`
        return None
    user, track, at_us, audio_ms, *rest = fields
    fails = rest[0] if rest else 0
    if not (isinstance(user, str) and isinstance(track, str) and type(at_us) is int and type(audio_ms) is int):
        return None
    if type(fails) is not int or fails < 0:
        return None
    try:
        at = _EPOCH + timedelta(microseconds=at_us)
    except OverflowError:
        return None
    return Verified(user, track, key, at, audio_ms), fails


def _count(value: object) -> int:
    return value if type(value) is int and value >= 0 else 0


class _Run:
    """One drain's writes: each record's answer, and whether to go on."""

    def __init__(self, write: Write, limit: int) -> None:
        self.write, self.left, self.report, self._fails = write, limit, Drained(), 0

    @property
    def going(self) -> bool:
        return self.left > 0 and self._fails < FAILS_TO_STOP

    @property
    def answered(self) -> bool:
        """The database answered some write of this drain: a record that failed here failed on its own."""
        return self.report.written + self.report.refused > 0

    def settled(self, verified: Verified) -> bool | None:
        """Write one record: True when it may leave the outbox (written, or refused for good); False when the
        database is away or busy; None when its write failed for another reason (it may be the record's own)."""
        self.left -= 1
        try:
            written = self.write(verified)
        except Exception as failed:
            self.report.failed += 1
            if transient(failed):
                self._fails += 1
                log.warning(
                    "a kept verified stream could not be written yet %s; it stays in the outbox", error_line(failed)
                )
                return False
            log.warning("writing a kept verified stream failed; it stays in the outbox", exc_info=True)
            return None
        self._fails = 0
        if written:
            self.report.written += 1
        else:
            self.report.refused += 1
        return True


def _aside(verified: Verified, fails: int) -> bool:
    """Whether a record that failed on its own `fails` times is now set aside (logged)."""
    if fails < SET_ASIDE:
        return False
    log.error(
        "set aside a kept verified stream whose write failed on its own in %d drains (play %s, track %s, %s): "
        "it is no longer tried",
        fails,
        verified.play_key[:12],
        verified.track,
        verified.first_byte_at.isoformat(),
    )
    return True


_Changed = tuple[list[tuple[Verified, int]], list[tuple[str, object, int]]]  # set aside now; dropped now


def _dropped(name: str, fields: object, since: float) -> None:
    log.error(
        "dropped a kept verified stream set aside since %s, after %d days nobody retried it: %s %r",
        datetime.fromtimestamp(since, UTC).isoformat(),
        ASIDE_KEEP_S // 86_400,
        name,
        fields,
    )


def _matches(key: str, names: Collection[str] | None) -> bool:
    return names is None or any(name and key.startswith(name.lower()) for name in names)


def _bucket(play_key: str) -> str:
    return f"verify:outbox:{int(play_key[:4], 16) % BUCKETS}"  # hex: `keep` checked it


class StateOutbox:
    """Records kept on the shared state (Redis: every worker and node), in `BUCKETS` documents
    {"p": {play key: record}, "f": {play key: failures}, "a": {play key: set aside at, unix seconds}}."""

    def __init__(self, state: SharedState, *, now: Callable[[], float] = time.time) -> None:
        self._state, self._now = state, now

    def keep(self, verified: Verified) -> None:
        """Into its own document, else the next ones that have room: a document can be full while others are not
        (the sixteen of the layout before held up to 20,000 records each, drained like any other: review23f F2).
        The drain reads every document, so a record may be in any."""
        entry = _fields(_checked(verified))
        home = int(_bucket(verified.play_key).rsplit(":", 1)[1])
        now_us = int(self._now() * 1_000_000)

        def add(docs: list[Doc | None]) -> tuple[list[Doc | None], bool]:
            doc = docs[0] or {}
            plays, kept = dict(doc.get("p", {})), dict(doc.get("k") or {})
            if verified.play_key not in plays and len(plays) >= BUCKET_MAX:
                return docs, False
            plays[verified.play_key] = entry
            kept.setdefault(verified.play_key, now_us)  # a later keep of the same play keeps the first time
            return [{**doc, "p": plays, "k": kept}], True

        for n in range(min(KEEP_TRIES, BUCKETS)):
            if self._state.update([f"verify:outbox:{(home + n) % BUCKETS}"], add, ttl_s=[None]):
                return
        raise OverflowError("the verified streams' outbox is full")

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        run = _Run(write, limit)
        alone: dict[str, list[str]] = {}  # bucket: records that failed on their own, counted once others answer
        for n in range(BUCKETS):
            if not run.going:
                break
            key, settled, tidy = f"verify:outbox:{n}", [], False
            doc = self._state.get(key) or {}
            fails, aside, kept_at = doc.get("f") or {}, doc.get("a") or {}, doc.get("k") or {}
            for play_key, fields in (doc.get("p") or {}).items():
                if play_key in aside:  # set aside: not tried again, dropped once old
                    tidy = tidy or self._now() - _count(aside[play_key]) > ASIDE_KEEP_S
                    continue
                if isinstance(fields, list) and len(fields) == 5:
                    tidy = True  # kept by the release that counted failures in the record: four fields now
                if not run.going:
                    break
                answer = self._settled(run, play_key, fields, _count(fails.get(play_key)), kept_at.get(play_key))
                if answer:
                    settled.append(play_key)
                elif answer is None:
                    alone.setdefault(key, []).append(play_key)
            failed = alone.pop(key, []) if run.answered else []
            if settled or failed or tidy:
                self._change(key, settled, failed)
        for key, failed in alone.items() if run.answered else ():
            self._change(key, [], failed)
        return run.report

    @staticmethod
    def _settled(run: _Run, key: str, fields: object, fails: int, kept_at: object) -> bool | None:
        kept = _record(key, fields)
        if kept is None:
            log.error("dropped an entry of the verified streams' outbox that is not a record: %r", key[:80])
            return True
        if max(kept[1], fails) >= SET_ASIDE:
            return False  # set aside by the release that counted failures in the record (`_change` marks it)
        return run.settled(_kept(kept[0], kept_at))

    def _change(self, key: str, settled: list[str], failed: list[str]) -> None:
        """Take the settled records out of a bucket; count one more failure of each record that failed alone,
        set aside those that reach SET_ASIDE; drop those set aside ASIDE_KEEP_S ago; four fields for each."""
        gone, counted, now = set(settled), set(failed), int(self._now())

        def change(docs: list[Doc | None]) -> tuple[list[Doc | None], _Changed]:
            doc = docs[0] or {}
            plays = {k: v for k, v in doc.get("p", {}).items() if k not in gone}
            fails = {k: _count(v) for k, v in (doc.get("f") or {}).items() if k in plays}
            aside = {k: _count(v) for k, v in (doc.get("a") or {}).items() if k in plays}
            newly: list[tuple[Verified, int]] = []
            for k, fields in list(plays.items()):
                kept = _record(k, fields)
                if kept is None:
                    continue
                plays[k], before = _fields(kept[0]), max(kept[1], fails.get(k, 0))
                fails[k] = before + (k in counted)
                if fails[k] >= SET_ASIDE and k not in aside:
                    aside[k] = now
                    newly.append((kept[0], fails[k]))
            fails = {f: n for f, n in fails.items() if n}
            dropped = [(k, plays.pop(k), at) for k, at in aside.items() if now - at > ASIDE_KEEP_S]
            for k, _, _ in dropped:
                fails.pop(k, None)
                aside.pop(k)
            times = {k: v for k, v in (doc.get("k") or {}).items() if k in plays}
            out: Doc = {"p": plays, **({"f": fails} if fails else {}), **({"a": aside} if aside else {})}
            out |= {"k": times} if times else {}
            return [out if plays else None], (newly, dropped)

        newly, dropped = self._state.update([key], change, ttl_s=[None])
        for verified, fails in newly:
            _aside(verified, fails)  # logged once it is, outside the compare-and-set's retries
        for name, fields, at in dropped:
            _dropped(name, fields, at)

    def aside(self) -> list[Aside]:
        found = []
        for n in range(BUCKETS):
            doc = self._state.get(f"verify:outbox:{n}") or {}
            plays, fails = doc.get("p") or {}, doc.get("f") or {}
            for k, at in (doc.get("a") or {}).items():
                kept = _record(k, plays.get(k))
                since = datetime.fromtimestamp(_count(at), UTC)
                found.append(Aside(k, kept and kept[0], _count(fails.get(k)), since))
        return found

    def retry(self, names: Collection[str] | None) -> int:
        done = 0
        for n in range(BUCKETS):
            key = f"verify:outbox:{n}"
            if not any(_matches(k, names) for k in ((self._state.get(key) or {}).get("a") or {})):
                continue

            def clear(docs: list[Doc | None]) -> tuple[list[Doc | None], int]:
                doc = dict(docs[0] or {})
                aside, fails = dict(doc.get("a") or {}), dict(doc.get("f") or {})
                again = [k for k in aside if _matches(k, names)]
                for k in again:
                    aside.pop(k)
                    fails.pop(k, None)
                doc.pop("a", None)
                doc.pop("f", None)
                out = {**doc, **({"f": fails} if fails else {}), **({"a": aside} if aside else {})}
                return [out], len(again)

            done += self._state.update([key], clear, ttl_s=[None])
        return done
