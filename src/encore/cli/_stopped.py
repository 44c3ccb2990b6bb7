"""Why a command stopped when what it stands on failed under it, in one line (probe25b M1): the database that does
not answer, refuses the connection or the command, or the disk under the data directory that is full or failing.
Every command goes through `_main._Commands`, which asks here about any error that escaped it: one place, so a
command added later is covered too. A traceback stays for what is not one of these: that is a bug to report."""

import os
from dataclasses import dataclass
from pathlib import Path

from encore.config import Settings
from encore.db import error_line, is_driver_error, is_unreachable, storage_failure

# The exit status of a command that could not reach its database or write its data: as `encore outbox` uses 3 for
# "does not answer"; 1 stays "ran, and something failed", 2 "refused as asked".
UNREACHABLE_EXIT = 3


@dataclass(frozen=True)
class Stopped:
    code: int
    message: str


def why_stopped(exc: BaseException, settings: Settings | None) -> Stopped | None:
    """The line for an error that means the install cannot be used now, or None (pure). `settings` (None when they
    could not be read) only names where: the database's URL without its password, the data directory."""
    where = settings.shown_database_url if settings is not None else "its database"
    said = error_line(exc)
    if (failed := storage_failure(exc)) is not None:
        return Stopped(UNREACHABLE_EXIT, disk_line(failed, settings.data_dir if settings is not None else None, said))
    if is_unreachable(exc):
        return Stopped(
            UNREACHABLE_EXIT,
            f"Encore cannot reach its database at {where} {said}. Is the database server running, and reachable"
            " from here?",
        )
    if is_driver_error(exc):
        return Stopped(UNREACHABLE_EXIT, f"Encore's database at {where} refused the command {said}")
    return None


_AGAIN = "and run the command again; what it finished before stays as it was."


def disk_line(failed: BaseException, data_dir: Path | None, said: str) -> str:
    """Which disk is full or failing, as far as the error tells (pure; review25o L1: every such error blamed the
    data directory, an ingest source's failing disk or a full temporary folder's among them). SQLite's error is
    the database's, in the data directory; an `OSError` naming a path is that path's disk, said to be under the
    data directory only when it is; one naming none (a write to a file already open) is pinned on no disk."""
    data = data_dir.resolve() if data_dir is not None else None
    named = f" (ENCORE_DATA_DIR={data})" if data is not None else ""
    if not isinstance(failed, OSError):
        return (
            f"Encore cannot write its data{named}: the disk is full or failing {said}. Free some space (or check the"
            f" disk) {_AGAIN}"
        )
    raw = failed.filename2 if failed.filename2 is not None else failed.filename
    if raw is None or isinstance(raw, int):
        return (
            f"A disk Encore was reading or writing is full or failing {said}: the data directory's{named} or that of"
            f" a file or folder the command was given. Free some space (or check the disks) {_AGAIN}"
        )
    path = Path(os.fsdecode(raw)).absolute()
    whose = f", under the data directory{named}" if data is not None and path.resolve().is_relative_to(data) else ""
    return (
        f"Encore cannot use {path}{whose}: its disk is full or failing {said}. Free some space there (or check that"
        f" disk) {_AGAIN}"
    )
