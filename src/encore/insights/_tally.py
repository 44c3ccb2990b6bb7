"""Pure arithmetic on aggregated rows: ranking, streaks, clocks. No database here."""

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from encore.insights._snapshot import TOP_N, DayTotal, Ranked, Streak

Shown = tuple[str, str, str | None]  # name, by, public id: what a card shows for a key


@dataclass
class Counter:
    """Listens and milliseconds per key. Display fields live apart (`shown`), looked up only when ranking."""

    listens: dict[str, int] = field(default_factory=dict)
    ms: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, listens: int, ms: int) -> None:
        self.listens[key] = self.listens.get(key, 0) + listens
        self.ms[key] = self.ms.get(key, 0) + ms

    def candidates(self, limit: int) -> Iterable[str]:
        """The keys that can reach the top `limit`: those counting at least as much as the limit-th by
        (listens, ms), ties at the edge included. Only these need names to be ranked."""
        n, ms = self.listens, self.ms
        if len(n) > limit > 0:
            # listens alone first, compared in C: a decade ranks ~15,000 tracks several times
            least = heapq.nlargest(limit, n.values())[-1]
            near = [k for k, v in n.items() if v >= least]
            edge = heapq.nlargest(limit, [(n[k], ms[k]) for k in near])[-1]
            return [k for k in near if (n[k], ms[k]) >= edge]
        return n

    def top_keys(self, shown: dict[str, Shown], limit: int) -> list[str]:
        # Ties break by minutes, then name, then key, so SQLite and PostgreSQL rank identically.
        # `shown` may resolve names lazily: it is asked only for the candidates.
        n, ms = self.listens, self.ms
        return heapq.nsmallest(limit, self.candidates(limit), key=lambda k: (-n[k], -ms[k], shown[k][0], k))

    def ranked(self, shown: dict[str, Shown], limit: int = TOP_N) -> list[Ranked]:
        out = []
        for key in self.top_keys(shown, limit):
            name, by, public_id = shown[key]
            out.append(Ranked(name, self.listens[key], self.ms[key] // 60_000, by, public_id))
        return out


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
