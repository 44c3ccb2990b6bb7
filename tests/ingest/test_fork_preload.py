"""The suite's fork server holds what an upload's analysis imports (tests/support/forkserver.py): a child forked from
it analyses a file without importing a module of its own. When the analysis comes to import something new where it
uses it, this names the module to add to the preload, instead of every upload's child quietly importing it again."""

import io
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from PIL import Image

from tests.ingest import corpus as c
from tests.support.forkserver import imported_by_analysis


def test_a_child_of_the_suites_fork_server_analyses_uploads_without_importing(tmp_path: Path) -> None:
    flac = c.write_flac(tmp_path / "cover.flac", c.tone(0.5, 440), title="Covered", artist="Fork", album="Server")
    cover = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 120, 200)).save(cover, "JPEG")
    c.add_flac_picture(flac, cover.getvalue())
    files = [
        flac,
        c.write_mp3(tmp_path / "plain.mp3", c.tone(0.5, 523)),
        c.write_ogg(tmp_path / "plain.ogg", c.tone(0.5, 660), title="Vorbis"),
    ]
    work = tmp_path / "work"
    work.mkdir()
    # as `run_ingest` makes its pool for an upload (encore/ingest/_pipeline.py `_results`)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("forkserver")) as pool:
        imported = pool.submit(imported_by_analysis, [str(f) for f in files], str(work)).result(timeout=120)
    assert imported == [], f"add these to tests/support/forkserver.py's ANALYSIS_IMPORTS: {imported}"
