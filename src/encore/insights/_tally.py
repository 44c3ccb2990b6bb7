"""Pure arithmetic on aggregated rows: ranking, streaks, clocks. No database here."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from encore.insights._snapshot import TOP_N, DayTotal, Ranked, Streak


@dataclass
class Counter:
    """Listens and milliseconds per key, with the display fields of each key."""

    listens: dict[str, int] = field(default_factory=dict)
    ms: dict[str, int] = field(default_factory=dict)
    shown: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # name, by, public id

    def add(self, key: str, listens: int, ms: int, shown: tuple[str, str, str | None]) -> None:
        """`shown` is (name, by, public id): what a card shows for this key."""
        self.listens[key] = self.listens.get(key, 0) + listens
        self.ms[key] = self.ms.get(key, 0) + ms
        self.shown.setdefault(key, shown)

    def ranked(self, limit: int = TOP_N) -> list[Ranked]:
        # Ties break by minutes, then name, then key, so SQLite and PostgreSQL rank identically.
        keys = sorted(self.listens, key=lambda k: (-self.listens[k], -self.ms[k], self.shown[k][0], k))
        out = []
        for key in keys[:limit]:
            name, by, public_id = self.shown[key]
            out.append(Ranked(name, self.listens[key], self.ms[key] // 60_000, by, public_id))
        return out

    def top_key(self) -> str | None:
        keys = sorted(self.listens, key=lambda k: (-self.listens[k], -self.ms[k], self.shown[k][0], k))
        return keys[0] if keys else None


def longest_streak(days: Iterable[date]) -> Streak:
    best, best_start, best_end = 0, None, None
    run, run_start, previous = 0, None, None
    for day in sorted(set(days)):
        if previous is not None and day - previous == timedelta(days=1):
            run += 1
        else:
            run, run_start = 1, day
        if run > best:
            best, best_start, best_end = run, run_start, day
        previous = day
    return Streak(best, best_start.isoformat() if best_start else None, best_end.isoformat() if best_end else None)


def most_played_day(per_day: dict[date, tuple[int, int]]) -> DayTotal | None:
    if not per_day:
        return None
    day = min(per_day, key=lambda d: (-per_day[d][0], -per_day[d][1], d))
    listens, ms = per_day[day]
    return DayTotal(day.isoformat(), listens, ms // 60_000)


def top_percent(mine: int, everyone: list[int]) -> int | None:
    """This listener is in the top N% of the artist's listeners (1 = the very top). None without listeners."""
    if mine <= 0 or not everyone:
        return None
    above = sum(1 for n in everyone if n > mine)
    return max(1, math.ceil(100 * (above + 1) / len(everyone)))
