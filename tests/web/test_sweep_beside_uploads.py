"""An ingest run's orphan sweep spares the files of a picture upload in flight (review26c L4).

A sweep deletes every file in `.tmp/` and every stored audio or art file no committed row names. A label's new
cover is such a file from the moment `placed_cover` renames it into `art/` until its album row commits, and a gallery
picture's rendition is a `.tmp/` file until it is renamed into `exclusives/`. Here a real ingest run (its own thread,
`encore ingest`'s pipeline) is let go inside that window of a real request, and must finish there: before the fix it
found the store alone, swept, and the cover's files were gone (its URLs 404) or the picture's upload a 500. A killed
uploader's files are still swept by the next run: the hold is a flock, which the kernel lets go with the process."""

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore import labels
from encore.bootstrap import Container
from encore.ingest import IngestSummary, run_ingest
from encore.storage import MediaStore
from tests.ingest import corpus as c
from tests.support.races import flock_waited
from tests.web.test_exclusive_gallery_api import _new, _picture, _upload
from tests.web.test_exclusives_api import world
from tests.web.test_label_drafts_api import Desk, _draft, _png_of, desk, flacs

__all__ = ["desk", "flacs", "world"]

WAIT_S = 120  # a bound on a hang, not an assertion of speed


@pytest.fixture
def run_now(container: Container, tmp_path: Path) -> Callable[[], IngestSummary]:
    """A whole ingest run of a one-file library, in a thread of its own, waited for: called inside an upload's
    window, it is a second writer there."""
    library = tmp_path / "beside"
    library.mkdir()
    runs: list[IngestSummary] = []

    def run() -> IngestSummary:
        flac = c.write_flac(library / f"{len(runs)}.flac", c.tone(1.0, 600 + 40 * len(runs)), title="Beside")

        def one() -> None:
            store, sessions = container.store, container.sessions
            summary = run_ingest(
                paths=[flac], session_factory=sessions, store=store, label_override=None, workers=1, progress=None
            )
            runs.append(summary)

        runner = threading.Thread(target=one)
        runner.start()
        runner.join(WAIT_S)
        assert not runner.is_alive(), "the run beside the upload never finished"
        assert runs[-1].imported == 1 and runs[-1].failed == [], runs[-1]
        return runs[-1]

    return run


def test_a_run_inside_a_cover_upload_leaves_the_new_cover_in_place(
    desk: Desk, flacs: dict[str, bytes], run_now: Callable[[], IngestSummary], monkeypatch: pytest.MonkeyPatch
) -> None:
    album_id, _ = _draft(desk, flacs)
    real = labels.set_cover
    ran: list[IngestSummary] = []
    beside: list[threading.Thread] = []
    commits = desk.container.store.root / ".ingest-commit.lock"

    def set_cover_beside_a_run(*args: object, **kwargs: object) -> object:
        # the cover's files are in `art/`, its album row not written yet: a run let go here gets past its sweep and
        # as far as its own commit, which waits for this row (the cover holds the commit lock until it is written)
        runner = threading.Thread(target=lambda: ran.append(run_now()))
        runner.start()
        beside.append(runner)
        while runner.is_alive() and not flock_waited(commits):
            runner.join(0.05)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(labels, "set_cover", set_cover_beside_a_run)
    url = f"{desk.base}/releases/{album_id}/cover"
    r = desk.client.put(url, files={"file": ("c.png", io.BytesIO(_png_of((10, 120, 200))))}, headers=desk.ours)
    assert r.status_code == 200, r.text
    beside[0].join(WAIT_S)
    assert len(ran) == 1
    monkeypatch.setattr(labels, "set_cover", real)
    for size, art in r.json()["artwork"].items():
        assert desk.client.get(art).status_code == 200, f"the new cover's {size} rendition was swept"
    assert run_now().imported == 1  # a later run, with the store alone again, sweeps and keeps the named cover
    for art in r.json()["artwork"].values():
        assert desk.client.get(art).status_code == 200


def test_a_run_inside_a_gallery_upload_leaves_its_picture_in_place(
    client: TestClient, world: dict[str, str], run_now: Callable[[], IngestSummary], monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery = _new(client, world, "gallery")
    real = MediaStore.commit
    ran: list[IngestSummary] = []

    def commit_after_a_run(self: MediaStore, temp: Path, relpath: str) -> Path:
        if relpath.startswith("exclusives/") and not ran:
            assert temp.exists()  # the rendition, in `.tmp/`
            ran.append(run_now())
        return real(self, temp, relpath)

    monkeypatch.setattr(MediaStore, "commit", commit_after_a_run)
    r = _upload(client, gallery["id"], _picture())
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    assert len(ran) == 1


_UPLOADER = """
import sys
from pathlib import Path
from encore.ingest import placed_cover
from encore.storage import MediaStore

store, png = MediaStore(Path(sys.argv[1])), Path(sys.argv[2])
with store.writing():
    with placed_cover(data=png.read_bytes(), store=store) as key:
        pass  # placed; its row never comes (a failed transaction, say)
    print(key, flush=True)
    sys.stdin.read()  # killed here, the store still held
"""


def test_a_killed_uploaders_cover_is_swept_by_the_next_run(
    container: Container, tmp_path: Path, run_now: Callable[[], IngestSummary]
) -> None:
    """The hold must not keep a dead process's files for ever: after kill -9 mid-upload, the next run sweeps them."""
    png = tmp_path / "c.png"
    png.write_bytes(_png_of((200, 10, 10)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [sys.executable, "-c", _UPLOADER, str(container.store.root), str(png)]
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) as uploader:
        try:
            assert uploader.stdout is not None
            key = uploader.stdout.readline().strip()  # the child's cover is placed (or it died: "")
            assert key, "the uploader ended before placing its cover"
            cover = [p for p in container.store.iter_files("art") if key in p]
            assert len(cover) == 3
            assert run_now().imported == 1  # beside the live uploader: its cover is not swept
            assert all(container.store.exists(p) for p in cover)
        finally:
            os.kill(uploader.pid, signal.SIGKILL)
            uploader.wait(WAIT_S)
    assert run_now().imported == 1  # the store alone again: the dead uploader's cover has no row, and goes
    assert not any(container.store.exists(p) for p in cover)
