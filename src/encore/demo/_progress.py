"""How far the demo build has got, in a small JSON file beside the generated library.

The builder (`encore demo`, often a background child of `encore serve --build-demo`) and the server are
separate processes that share no state port in the embedded mode, so the builder writes this file
atomically and the server only reads it. A missing file means no demo build was ever started here.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from encore.demo._plan import DemoSpec

PROGRESS_FILE = ".demo-build.json"  # hidden: ingest's scan passes over dot files


@dataclass(frozen=True)
class BuildProgress:
    albums_done: int
    albums_total: int
    tracks_done: int
    tracks_total: int
    stage: str  # catalogue | history | done
    finished: bool
    spec: DemoSpec | None = None  # the plan being built: a resumed build (the server's child) keeps it


def library_dir(data_dir: Path) -> Path:
    """Where the demo's generated files live (kept: they are the cache a re-run or a resumed build reuses)."""
    return data_dir / "demo-library"


def progress_path(library: Path) -> Path:
    return library / PROGRESS_FILE


def write_progress(library: Path, progress: BuildProgress) -> None:
    library.mkdir(parents=True, exist_ok=True)
    path = progress_path(library)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(progress)))
    os.replace(tmp, path)  # a reader sees the old file or the new one, never half of one


def read_progress(library: Path) -> BuildProgress | None:
    """The last progress written, or None when there is none or it cannot be read (a stranger's file)."""
    try:
        data = json.loads(progress_path(library).read_text())
        return BuildProgress(
            albums_done=int(data["albums_done"]),
            albums_total=int(data["albums_total"]),
            tracks_done=int(data["tracks_done"]),
            tracks_total=int(data["tracks_total"]),
            stage=str(data["stage"]),
            finished=bool(data["finished"]),
            spec=DemoSpec(**data["spec"]) if data.get("spec") else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
