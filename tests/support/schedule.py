"""How `pytest -n 2 --dist loadgroup` shares the suite between its workers (hooked in tests/conftest.py).

xdist's own `loadgroup` makes every test without an `xdist_group` mark a unit of its own, so a module's tests
are dealt to both workers and each worker sets up the module's fixtures (a seeded catalogue, a cluster of
nodes, a Chromium) again. And with pytest 9.2 and xdist 3.8 the marks do nothing at all: xdist names a grouped
test by writing `item._nodeid`, which pytest 9 no longer reads (`Node.nodeid` is built from `_id`), so every
test was its own unit. Here a unit is a module, and the modules whose `pytestmark` names the same
`xdist_group` are one unit (read from the module's source: the controller never sees the marks). Units are dealt
longest first (the longest-processing-time rule), so a long one does not start last on one worker while the
other idles. A unit's length is what the previous run on this checkout measured (pytest's cache), else an
estimate from its test count, weighted for units that drive Chromium or live servers.
"""

import functools
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

CACHE_KEY = "encore/unit-seconds"
PLAIN_TEST_S = 0.5  # a test on a fresh database (both backends are separate tests)
LIVE_TEST_S = 10.0  # a test in a browser module or an xdist group (Chromium, live servers, subprocesses)


MODULE_GROUP = re.compile(r"^pytestmark = .*xdist_group\(\"([^\"]+)\"\)", re.MULTILINE)


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@functools.cache
def _group_of(module: str, root: Path) -> str | None:
    try:
        found = MODULE_GROUP.search((root / module).read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


def unit_of(nodeid: str, root: Path = Path()) -> str:
    """The work unit of a test: its module's xdist group ("@name"), else its module."""
    module = module_of(nodeid)
    group = _group_of(module, root)
    return f"@{group}" if group else module


def estimate_s(unit: str, tests: int) -> float:
    live = unit.startswith("@") or unit.endswith("_browser.py")
    return tests * (LIVE_TEST_S if live else PLAIN_TEST_S)


def unit_seconds(unit: str, nodeids: list[str], measured: dict[str, float]) -> float:
    """The unit's modules as the last run timed them (reports name modules, not groups), else an estimate."""
    modules = {module_of(n) for n in nodeids}
    if all(m in measured for m in modules):
        return sum(measured[m] for m in modules)
    return estimate_s(unit, len(nodeids))


class ModuleScheduling(LoadScopeScheduling):
    """xdist's LoadScopeScheduling with module (or xdist group) units, dealt longest first."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.measured: dict[str, float] = config.cache.get(CACHE_KEY, {}) if config.cache else {}
        self.ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid, self.config.rootpath)

    def _assign_work_unit(self, node: Any) -> None:
        if not self.ordered:  # the first deal: the queue holds every unit, none has been sent
            self.ordered = True
            units = list(self.workqueue.items())
            units.sort(key=lambda u: unit_seconds(u[0], list(u[1]), self.measured), reverse=True)
            self.workqueue = OrderedDict(units)
        super()._assign_work_unit(node)


class UnitTimer:
    """On xdist's controller: each module's summed phase durations, kept in pytest's cache for the next deal."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = module_of(report.nodeid)
        self.seconds[module] = self.seconds.get(module, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        if self.config.cache and self.seconds:
            known: dict[str, float] = self.config.cache.get(CACHE_KEY, {})
            self.config.cache.set(CACHE_KEY, {**known, **self.seconds})
