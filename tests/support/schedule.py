"""How `pytest -n 2 --dist loadgroup` shares the suite between its workers (a plugin: tests/conftest.py loads it).

xdist's own `loadgroup` makes every test without an `xdist_group` mark a unit of its own, so a module's tests
are dealt to both workers and each worker sets up the module's fixtures (a seeded catalogue, a cluster of
nodes, a Chromium) again. And with pytest 9.2 and xdist 3.8 the marks do nothing at all: xdist names a grouped
test by writing `item._nodeid`, which pytest 9 no longer reads (`Node.nodeid` is built from `_id`), so every
test was its own unit. Here a unit is a module, and the tests whose marks name the same `xdist_group` are one
unit across modules. The controller never sees marks, so each worker writes the groups its collected items
carry (`item.iter_markers`: a module's `pytestmark` in any form, a class's or a test's own mark) to a file the
controller names in the worker's input, before it reports its collection; the scheduler reads them. Units are dealt
longest first (the longest-processing-time rule), so a long one does not start last on one worker while the
other idles. A unit's length is what the previous run on this checkout measured (pytest's cache), else what a
whole run measured when `unit_seconds.json` beside this file was written (a clean clone, as CI runs, has no
cache: without the table a two-test module that takes minutes, such as the demo accounts, was dealt last),
else an estimate from its test count, weighted for units that drive Chromium or live servers. Rewrite the
table after a whole `-n 2 --dist loadgroup` run: `python -m tests.support.schedule` (it reads pytest's cache).
"""

import json
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

CACHE_KEY = "encore/unit-seconds"
TABLE = Path(__file__).with_name("unit_seconds.json")  # per-module seconds of a whole run, for a clean clone
PLAIN_TEST_S = 0.5  # a test on a fresh database (both backends are separate tests)
LIVE_TEST_S = 10.0  # a test in a browser module or an xdist group (Chromium, live servers, subprocesses)
GROUPS_INPUT = "encore_groups_dir"  # the key in xdist's workerinput: where workers write their groups


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def group_of(item: pytest.Item) -> str | None:
    """The item's xdist group from every `xdist_group` mark pytest collected for it (module, class, test),
    named as xdist names it: the sorted names joined by "_"."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) or None


def write_groups(items: list[pytest.Item], path: Path) -> None:
    """On a worker, before it reports its collection: each grouped test's group, by node id."""
    groups = {item.nodeid: g for item in items if (g := group_of(item)) is not None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(groups), encoding="utf-8")
    tmp.replace(path)


def read_groups(directory: Path) -> dict[str, str]:
    """On the controller: the groups every worker wrote (identical collections give identical maps)."""
    groups: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        groups.update(json.loads(path.read_text(encoding="utf-8")))
    return groups


def unit_of(nodeid: str, groups: dict[str, str]) -> str:
    """The work unit of a test: its xdist group ("@name"), else its module."""
    group = groups.get(nodeid)
    return f"@{group}" if group else module_of(nodeid)


def estimate_s(unit: str, tests: int) -> float:
    live = unit.startswith("@") or unit.endswith("_browser.py")
    return tests * (LIVE_TEST_S if live else PLAIN_TEST_S)


def unit_seconds(unit: str, nodeids: list[str], measured: dict[str, float]) -> float:
    """The unit's modules as the last run timed them (reports name modules, not groups), else an estimate."""
    modules = {module_of(n) for n in nodeids}
    if all(m in measured for m in modules):
        return sum(measured[m] for m in modules)
    return estimate_s(unit, len(nodeids))


def committed_seconds(path: Path = TABLE) -> dict[str, float]:
    """The table of module seconds kept with the suite (none when it is missing or unreadable)."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in table.items()} if isinstance(table, dict) else {}


class ModuleScheduling(LoadScopeScheduling):
    """xdist's LoadScopeScheduling with module (or xdist group) units, dealt longest first."""

    def __init__(self, config: pytest.Config, groups_dir: Path, log: Any = None) -> None:
        super().__init__(config, log)
        cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
        self.measured: dict[str, float] = {**committed_seconds(), **(cache.get(CACHE_KEY, {}) if cache else {})}
        self.groups_dir = groups_dir
        self.groups: dict[str, str] | None = None
        self.ordered = False

    def _split_scope(self, nodeid: str) -> str:
        if self.groups is None:  # first called once every worker has reported its collection
            self.groups = read_groups(self.groups_dir)
        return unit_of(nodeid, self.groups)

    def _assign_work_unit(self, node: Any) -> None:
        if not self.ordered:  # the first deal: the queue holds every unit, none has been sent
            self.ordered = True
            units = list(self.workqueue.items())
            units.sort(key=lambda u: unit_seconds(u[0], list(u[1]), self.measured), reverse=True)
            self.workqueue = OrderedDict(units)
        super()._assign_work_unit(node)

    def remove_node(self, node: Any) -> str | None:
        """A worker gone: the test it was running is the crashed one (xdist reports it failed); the rest of its units
        go back to the queue for the other worker or xdist's replacement. xdist's own LoadScopeScheduling puts the
        crashed test back too, so a test that hangs or kills its worker ran again on every replacement (each one
        stuck on it in turn) until xdist's restart limit ended the run."""
        workload: dict[str, dict[str, bool]] = self.assigned_work.pop(node)
        pending = [nodeid for unit in workload.values() for nodeid, done in unit.items() if not done]
        if not pending:
            return None
        crashed = pending[0]  # a worker runs what it was sent in order
        for unit in workload.values():
            if crashed in unit:
                unit[crashed] = True
        self.workqueue.update((scope, unit) for scope, unit in workload.items() if not all(unit.values()))
        for other in self.assigned_work:
            self._reschedule(other)
        return crashed


class UnitTimer:
    """On xdist's controller: each module's summed phase durations, kept in pytest's cache for the next deal."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = module_of(report.nodeid)
        self.seconds[module] = self.seconds.get(module, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        cache = getattr(self.config, "cache", None)
        if cache and self.seconds:
            known: dict[str, float] = cache.get(CACHE_KEY, {})
            cache.set(CACHE_KEY, {**known, **self.seconds})


_GROUPS_DIR = pytest.StashKey[str]()  # on the controller: the directory workers write their xdist groups to


def _groups_dir(config: pytest.Config) -> Path:
    return Path(config.stash[_GROUPS_DIR])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> ModuleScheduling | None:
    """`--dist loadgroup` (make test): a module or an xdist group is one unit, longest first (see there)."""
    return ModuleScheduling(config, _groups_dir(config), log) if config.getvalue("dist") == "loadgroup" else None


def pytest_configure(config: pytest.Config) -> None:
    controller = config.getoption("numprocesses", default=None) and not hasattr(config, "workerinput")
    if controller and config.getvalue("dist") == "loadgroup":
        config.stash[_GROUPS_DIR] = tempfile.mkdtemp(prefix="encore-xdist-groups-")
        config.pluginmanager.register(UnitTimer(config), "encore-unit-timer")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _GROUPS_DIR in config.stash:
        shutil.rmtree(config.stash[_GROUPS_DIR], ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the controller, per worker: where the worker writes the xdist groups of what it collects."""
    if _GROUPS_DIR in node.config.stash:
        node.workerinput[GROUPS_INPUT] = node.config.stash[_GROUPS_DIR]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker of `--dist loadgroup`: the groups its items carry, for the controller's scheduler (the
    worker reports its collection after this hook, so the file is there when the controller deals)."""
    workerinput = getattr(config, "workerinput", {})
    if GROUPS_INPUT in workerinput:
        write_groups(items, Path(workerinput[GROUPS_INPUT]) / f"{workerinput['workerid']}.json")


def write_table(cache_dir: Path, path: Path = TABLE) -> int:
    """Write pytest's cached module seconds (of this checkout's last runs) to the committed table."""
    cached = json.loads((cache_dir / "v" / CACHE_KEY).read_text(encoding="utf-8"))
    modules = {m: round(float(v), 1) for m, v in sorted(cached.items()) if Path(m).exists()}
    path.write_text(json.dumps(modules, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return len(modules)


if __name__ == "__main__":
    print(f"{write_table(Path('.pytest_cache'))} modules written to {TABLE}")
