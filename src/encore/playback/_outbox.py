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
when written again.
"""

import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import orjson

from encore.playback._verified import Verified
from encore.state import Doc, SharedState

log = logging.getLogger(__name__)
Write = Callable[[Verified], bool]  # writes one record in its own transaction; False: refused for good
BUCKETS = 16  # the state's documents the records are spread over (a record's play key picks one)
BUCKET_MAX = 20_000  # records one document holds (~4 MB): past that, `keep` refuses and the failure is logged
DRAIN_MAX = 5_000  # records one drain writes; the rest wait a minute
FAILS_TO_STOP = 3  # writes failing in a row end a drain: the database is still away
_KEY = re.compile(r"\A[0-9a-f]{64}\Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Drained:
    """What one drain did: records written, refused for good (each leaves the outbox), and writes that failed."""

    written: int = 0
    refused: int = 0
    failed: int = 0


class VerifiedOutbox(Protocol):
    def keep(self, verified: Verified) -> None:
        """Keep `verified` until a drain writes it; raises when it cannot be kept."""

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained: ...


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
            "writing a verified stream failed (%s: %s); it is kept in the outbox and written by the minutely "
            "drain once the database answers",
            type(failed).__name__,
            failed,
        )


def _checked(v: Verified) -> Verified:
    if not _KEY.match(v.play_key):
        raise ValueError("not a play key")
    return v


def _fields(v: Verified) -> list[Any]:
    return [v.user, v.track, (v.first_byte_at - _EPOCH) // timedelta(microseconds=1), v.audio_ms]


def _record(key: str, fields: object) -> Verified | None:
    """The record kept under `key`, or None when what is kept there is not one (never written by `keep`)."""
    if not isinstance(fields, list) or len(fields) != 4 or not _KEY.match(key):  # four: `_fields`
        return None
    user, track, at_us, audio_ms = fields
    if not (isinstance(user, str) and isinstance(track, str) and type(at_us) is int and type(audio_ms) is int):
        return None
    try:
        at = _EPOCH + timedelta(microseconds=at_us)
    except OverflowError:
        return None
    return Verified(user, track, key, at, audio_ms)


class _Run:
    """One drain's writes: each record's answer, and whether to go on."""

    def __init__(self, write: Write, limit: int) -> None:
        self.write, self.left, self.report, self._fails = write, limit, Drained(), 0

    @property
    def going(self) -> bool:
        return self.left > 0 and self._fails < FAILS_TO_STOP

    def settled(self, verified: Verified) -> bool:
        """Write one record; True when it may leave the outbox (written, or refused for good)."""
        self.left -= 1
        try:
            written = self.write(verified)
        except Exception:
            self._fails += 1
            self.report.failed += 1
            log.warning("a kept verified stream could not be written yet; it stays in the outbox", exc_info=True)
            return False
        self._fails = 0
        if written:
            self.report.written += 1
        else:
            self.report.refused += 1
        return True


def _bucket(play_key: str) -> str:
    return f"verify:outbox:{int(play_key[:4], 16) % BUCKETS}"  # hex: `keep` checked it


class StateOutbox:
    """Records kept on the shared state (Redis: every worker and node), in `BUCKETS` documents {play key: record}."""

    def __init__(self, state: SharedState) -> None:
        self._state = state

    def keep(self, verified: Verified) -> None:
        entry = _fields(_checked(verified))

        def add(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
            plays = dict((docs[0] or {}).get("p", {}))
            if verified.play_key not in plays and len(plays) >= BUCKET_MAX:
                raise OverflowError("the verified streams' outbox is full")
            plays[verified.play_key] = entry
            return [{"p": plays}], None

        self._state.update([_bucket(verified.play_key)], add, ttl_s=[None])

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        run = _Run(write, limit)
        for n in range(BUCKETS):
            if not run.going:
                break
            key = f"verify:outbox:{n}"
            settled = []
            for play_key, fields in ((self._state.get(key) or {}).get("p") or {}).items():
                if not run.going:
                    break
                if self._settled(run, play_key, fields):
                    settled.append(play_key)
            if settled:
                self._state.update([key], _without(settled), ttl_s=[None])
        return run.report

    @staticmethod
    def _settled(run: _Run, key: str, fields: object) -> bool:
        verified = _record(key, fields)
        if verified is None:
            log.error("dropped an entry of the verified streams' outbox that is not a record: %r", key[:80])
            return True
        return run.settled(verified)


def _without(settled: list[str]) -> Callable[[list[Doc | None]], tuple[list[Doc | None], None]]:
    keys = set(settled)

    def remove(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        plays = {k: v for k, v in (docs[0] or {}).get("p", {}).items() if k not in keys}
        return [{"p": plays} if plays else None], None

    return remove


class SpoolOutbox:
    """Records kept as files in `folder` (`<play key>.json`), for one node without Redis."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def keep(self, verified: Verified) -> None:
        _checked(verified)  # its key names its file
        self._folder.mkdir(parents=True, exist_ok=True)
        final = self._folder / f"{verified.play_key}.json"
        temporary = self._folder / f".{verified.play_key}.{os.getpid()}.{threading.get_ident()}.tmp"
        with temporary.open("wb") as out:
            out.write(orjson.dumps(_fields(verified)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)  # whole or absent, whoever reads it
        directory = os.open(self._folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the name too survives a crash
        finally:
            os.close(directory)

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        run = _Run(write, limit)
        if not self._folder.is_dir():
            return run.report
        for path in sorted(self._folder.glob("*.json")):
            if not run.going:
                break
            try:
                verified = _record(path.stem, orjson.loads(path.read_bytes()))
            except FileNotFoundError:  # another process's drain wrote it meanwhile
                continue
            except (OSError, orjson.JSONDecodeError):
                verified = None
            if verified is None:
                log.error("set aside a file of the verified streams' outbox that is not a record: %s", path.name)
                path.replace(path.with_suffix(".bad"))
            elif run.settled(verified):
                path.unlink(missing_ok=True)  # another drain (a second process) may have written it too
        return run.report
