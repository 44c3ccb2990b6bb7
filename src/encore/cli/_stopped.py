"""Why a command stopped when what it stands on failed under it, in one line (probe25b M1): the database that does
not answer, refuses the connection or the command, or the disk under the data directory that is full or failing.
Every command goes through `_main._Commands`, which asks here about any error that escaped it: one place, so a
command added later is covered too. A traceback stays for what is not one of these: that is a bug to report."""

from dataclasses import dataclass

from encore.config import Settings
from encore.db import error_line, is_driver_error, is_storage_failing, is_unreachable

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
    data_dir = f" (ENCORE_DATA_DIR={settings.data_dir.resolve()})" if settings is not None else ""
    said = error_line(exc)
    if is_storage_failing(exc):
        return Stopped(
            UNREACHABLE_EXIT,
            f"Encore cannot write its data{data_dir}: the disk is full or failing {said}. Free some space (or check"
            " the disk) and run the command again; what it finished before stays as it was.",
        )
    if is_unreachable(exc):
        return Stopped(
            UNREACHABLE_EXIT,
            f"Encore cannot reach its database at {where} {said}. Is the database server running, and reachable"
            " from here?",
        )
    if is_driver_error(exc):
        return Stopped(UNREACHABLE_EXIT, f"Encore's database at {where} refused the command {said}")
    return None
