"""How `pytest -n 2 --dist loadgroup` shares the suite between its workers (hooked in tests/conftest.py).

xdist's own `loadgroup` makes every test without an `xdist_group` mark a unit of its own, so a module's tests
are dealt to both workers and each worker sets up the module's fixtures (a seeded catalogue, a cluster of
nodes, a Chromium) again. Here a unit is a module; an `xdist_group` mark still binds the modules that share it
into one unit (for what must not run at the same time, e.g. the cluster modules' nodes). Units are dealt
longest first (the longest-processing-time rule), so a long one does not start last on one worker while the
other idles. A unit's length is what the previous run on this checkout measured (pytest's cache), else an
estimate from its test count, weighted for units that drive Chromium or live servers.
"""

from collections import OrderedDict
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

CACHE_KEY = "encore/unit-seconds"
PLAIN_TEST_S = 0.5  # a test on a fresh database (both backends are separate tests)
LIVE_TEST_S = 10.0  # a test in a browser module or an xdist group (Chromium, live servers, subprocesses)


def unit_of(nodeid: str) -> str:
    """The work unit of a test: its xdist group (the suffix xdist adds under loadgroup), else its module."""
    if nodeid.rfind("@") > nodeid.rfind("]"):  # as xdist's LoadGroupScheduling: a parameter may contain "@"
        return "@" + nodeid.rsplit("@", 1)[-1]
    return nodeid.split("::", 1)[0]


def estimate_s(unit: str, tests: int) -> float:
    live = unit.startswith("@") or unit.endswith("_browser.py")
    return tests * (LIVE_TEST_S if live else PLAIN_TEST_S)


class ModuleScheduling(LoadScopeScheduling):
    """xdist's LoadScopeScheduling with module (or xdist group) units, dealt longest first."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.measured: dict[str, float] = config.cache.get(CACHE_KEY, {}) if config.cache else {}
        self.ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        if not self.ordered:  # the first deal: the queue holds every unit, none has been sent
            self.ordered = True
            units = list(self.workqueue.items())
            units.sort(key=lambda u: self.measured.get(u[0]) or estimate_s(u[0], len(u[1])), reverse=True)
            self.workqueue = OrderedDict(units)
        super()._assign_work_unit(node)


class UnitTimer:
    """On xdist's controller: each unit's summed phase durations, kept in pytest's cache for the next deal."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        unit = unit_of(report.nodeid)
        self.seconds[unit] = self.seconds.get(unit, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        if self.config.cache and self.seconds:
            known: dict[str, float] = self.config.cache.get(CACHE_KEY, {})
            self.config.cache.set(CACHE_KEY, {**known, **self.seconds})
