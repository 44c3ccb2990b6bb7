"""The database server's CPU behind a bench's queries: PostgreSQL's backends, read from /proc/<pid>/schedstat.

A client's `time.process_time` does not see what its PostgreSQL backend spends on the other core. Each pooled
connection's backend pid is asked once, at connect (`pg_backend_pid()`), and `/proc/<pid>/schedstat` gives the
nanoseconds that process has run on a CPU (not the 10 ms ticks of /proc/<pid>/stat), so a query's server CPU is
the difference over the backends the bench holds. Needs the server on this machine and its /proc readable (the
bench runs as root, or as the server's user). On SQLite there is no server: `ms()` is always 0.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class ServerClock:
    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        self.active = engine.dialect.name == "postgresql"
        if self.active:
            event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.pids.add(int(cursor.fetchone()[0]))
        cursor.close()
        dbapi_connection.commit()

    def ns(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):  # a backend that ended (a dropped connection)
                continue
        return total

    def since(self, start_ns: int) -> float:
        """Server CPU ms since `ns()` read `start_ns` (0 when there is no server)."""
        return (self.ns() - start_ns) / 1e6 if self.active else 0.0
