"""Several moves let go at the same moment, each in its own thread and transaction (claims that must happen once)."""

import contextlib
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.db import is_busy, transaction
from encore.kernel import NotFound, ValidationFailed


def meet(window: threading.Barrier, timeout: float = 3.0) -> None:
    """Hold a race's window open: wait here, between the read that decides and the write, until every racer has
    read. Under a fix's lock a racer is held back before its read and never comes; the racers that did go on
    after `timeout` (the barrier breaks, and whoever reaches it later passes at once)."""
    with contextlib.suppress(threading.BrokenBarrierError):
        window.wait(timeout)


def race(container: Container, moves: list[Callable[[Session], str]]) -> list[str]:
    """Run each move in its own thread and transaction, all let go at once; a busy database is retried, as a
    request's edge retries it. Returns each move's outcome (or the error it raised)."""
    start = threading.Barrier(len(moves))
    outcomes: list[str] = []

    def run(move: Callable[[Session], str]) -> None:
        start.wait()
        for _attempt in range(20):
            try:
                with transaction(container.sessions) as s:
                    outcome = move(s)
                outcomes.append(outcome)
                return
            except NotFound:
                outcomes.append("refused")
                return
            except Exception as exc:
                if not is_busy(exc):
                    outcomes.append(f"error {exc!r}")
                    return

    threads = [threading.Thread(target=run, args=(m,)) for m in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


def claiming(claim: Callable[[Session], object], done: str = "created") -> Callable[[Session], str]:
    """A racer that makes one claim (a place under a limit, say): `done`, or the code of the refusal."""

    def move(s: Session) -> str:
        try:
            claim(s)
        except ValidationFailed as exc:
            return str(exc.code)
        return done

    return move
