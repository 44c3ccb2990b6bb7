"""The verified streams' outbox as files on one node (`_outbox` says what the outbox is for): the embedded
default, and with Redis where the shared state could not keep a record (`_outbox_shared`)."""

import os
import threading
import time
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

import orjson

from encore.playback._outbox import (
    ASIDE_KEEP_S,
    DRAIN_MAX,
    TMP_STALE_S,
    Aside,
    Drained,
    Write,
    _aside,
    _checked,
    _count,
    _dropped,
    _fields,
    _kept,
    _matches,
    _record,
    _Run,
    log,
)
from encore.playback._verified import Verified


class SpoolOutbox:
    """Records kept as files in `folder` (`<play key>.json`; its failures in `<play key>.fails`, the time it was
    kept in `<play key>.kept`; set aside: `<play key>.bad`), for one node: the embedded default, and with Redis
    where the state could not keep one. The kept time is written in a file, not read off the record's
    modification time: a backup restored without keeping file times (`cp` without `-p`) dated every record at
    the copy. A record kept by a release before has no `.kept` file, and is read by its modification time."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def keep(self, verified: Verified) -> None:
        _checked(verified)  # its key names its file
        self._folder.mkdir(parents=True, exist_ok=True)
        final = self._folder / f"{verified.play_key}.json"
        self._write(final, _fields(verified))
        # after the record: a crash between leaves a record dated by its file, as before (a `.kept` written first
        # could be swept as an orphan by a drain running between the two)
        self._write(final.with_suffix(".kept"), time.time_ns() // 1000)

    def _write(self, final: Path, fields: object) -> None:
        temporary = self._folder / f".{final.stem}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with temporary.open("wb") as out:
                out.write(orjson.dumps(fields))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)  # whole or absent, whoever reads it
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk: what was half written goes (review23m M6)
            raise
        directory = os.open(self._folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the name too survives a crash
        finally:
            os.close(directory)

    @staticmethod
    def _kept_at(path: Path) -> int:
        """When the record at `path` was kept, in unix microseconds: its `.kept` file, or (kept by a release before,
        or a crash between the two writes) its modification time."""
        try:
            at = orjson.loads(path.with_suffix(".kept").read_bytes())
            if type(at) is int and at > 0:
                return at
        except (OSError, orjson.JSONDecodeError):
            pass
        return round(path.stat().st_mtime * 1_000_000)

    def _fails(self, path: Path) -> int:
        try:
            return _count(orjson.loads(path.with_suffix(".fails").read_bytes()))
        except (OSError, orjson.JSONDecodeError):
            return 0

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        run = _Run(write, limit)
        if not self._folder.is_dir():
            return run.report
        self._sweep()
        alone: list[tuple[Path, Verified, int, bool]] = []
        for path in sorted(self._folder.glob("*.json")):
            if not run.going:
                break
            try:
                fields = orjson.loads(path.read_bytes())
                kept = _record(path.stem, fields)
                kept_at = self._kept_at(path)
            except FileNotFoundError:  # another process's drain wrote it meanwhile
                continue
            except (OSError, orjson.JSONDecodeError):
                kept = None
            if kept is None:
                log.error("set aside a file of the verified streams' outbox that is not a record: %s", path.name)
                self._set_aside(path)
                continue
            answer = run.settled(_kept(kept[0], kept_at))
            if answer:
                path.unlink(missing_ok=True)  # another drain (a second process) may have written it too
                path.with_suffix(".fails").unlink(missing_ok=True)
                path.with_suffix(".kept").unlink(missing_ok=True)
            elif answer is None:
                alone.append((path, kept[0], max(kept[1], self._fails(path)) + 1, len(fields) == 5))
        if run.answered:
            for path, verified, fails, legacy in alone:
                self._failed_alone(path, verified, fails, legacy)
        return run.report

    def _failed_alone(self, path: Path, verified: Verified, fails: int, legacy: bool) -> None:
        if legacy:  # kept by the release that counted failures in the record: four fields, which every one reads
            kept = path.with_suffix(".kept")
            if not kept.exists():  # its time is its file's, which the rewrite changes
                self._write(kept, self._kept_at(path))
            self._write(path, _fields(verified))
        self._write(path.with_suffix(".fails"), fails)
        if _aside(verified, fails):
            self._set_aside(path)

    @staticmethod
    def _set_aside(path: Path) -> None:
        bad = path.with_suffix(".bad")
        path.replace(bad)
        os.utime(bad)  # set aside now: it is dropped ASIDE_KEEP_S from here

    def aside(self) -> list[Aside]:
        found = []
        for path in sorted(self._folder.glob("*.bad")) if self._folder.is_dir() else ():
            try:
                kept = _record(path.stem, orjson.loads(path.read_bytes()))
                since = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except FileNotFoundError:
                continue
            except (OSError, orjson.JSONDecodeError):
                kept, since = None, datetime.fromtimestamp(0, UTC)
            found.append(Aside(path.stem, kept and kept[0], self._fails(path), since))
        return found

    def retry(self, names: Collection[str] | None) -> int:
        """A file set aside that is no record stays (it would only be set aside again)."""
        done = 0
        for found in self.aside():
            if found.verified is not None and _matches(found.name, names):
                path = self._folder / f"{found.name}.bad"
                path.with_suffix(".fails").unlink(missing_ok=True)
                path.replace(path.with_suffix(".json"))
                done += 1
        return done

    def _sweep(self) -> None:
        """Remove temporary files of keeps that died (a crash between the write and the rename), the failures
        of records no longer kept, and records set aside ASIDE_KEEP_S ago (each logged whole)."""
        now = time.time()
        for path in self._folder.glob(".*.tmp"):
            try:
                if path.stat().st_mtime < now - TMP_STALE_S:
                    path.unlink()
                    log.warning("removed a stale temporary file of the verified streams' outbox: %s", path.name)
            except FileNotFoundError:
                continue
        for path in [*self._folder.glob("*.fails"), *self._folder.glob("*.kept")]:
            if not path.with_suffix(".json").exists() and not path.with_suffix(".bad").exists():
                path.unlink(missing_ok=True)  # its record was written (by any release) or dropped
        for path in self._folder.glob("*.bad"):
            try:
                at = path.stat().st_mtime
                if now - at > ASIDE_KEEP_S:
                    _dropped(path.stem, path.read_bytes(), int(at))
                    path.unlink()
                    path.with_suffix(".fails").unlink(missing_ok=True)
                    path.with_suffix(".kept").unlink(missing_ok=True)
            except FileNotFoundError:
                continue
