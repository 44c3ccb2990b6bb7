"""A file whose name is not UTF-8, at `encore ingest` (probe25b H1): the real command, in a process of its own."""

import os
import re
from pathlib import Path

from sqlalchemy import func, select

from encore.bootstrap import build
from encore.catalog import Track
from encore.config import Settings
from tests.ingest import corpus as c
from tests.support.cli_process import encore_env, run_cli
from tests.support.migrate import migrated_sqlite


def test_a_file_name_that_is_not_utf8_is_one_failure_and_the_run_goes_on(tmp_path: Path, database_url: str) -> None:
    """probe25b H1: a Latin-1 file name (old rips, Samba shares) ended `encore ingest` in a traceback from the
    temp-file hash, then from the database driver, and every file after it was left out, at every run."""
    music = tmp_path / "music"
    music.mkdir()
    tone = c.tone(2.0, 440.0)
    c.write_flac(music / "01 good.flac", tone, title="Good", artist="A", album="Names")
    bad = os.path.join(os.fsencode(music), b"02 caf\xe9 latin1.flac")
    c.write_flac(music / "tmp.flac", c.tone(2.0, 550.0), title="Cafe", artist="A", album="Names")
    os.rename(os.fsencode(music / "tmp.flac"), bad)
    c.write_flac(music / "03 after.flac", c.tone(2.0, 660.0), title="After", artist="A", album="Names")
    env = encore_env(mode="dev", data_dir=str(tmp_path / "var"), database_url=database_url)
    for _ in (1, 2):  # never recorded: the second run names it again, and fails again
        ran = run_cli(["ingest", str(music), "--workers", "1"], env, timeout_s=300)
        assert ran.code == 1 and "Traceback" not in ran.output, ran.output
        (row,) = [row for row in _table_rows(ran.output) if "notvalidUTF-8" in row[1]]  # one failure, one row
        assert row[0].startswith("02caf\\xe9latin1.flac") and "renamethefile" in row[1], ran.output
    container = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url))
    with container.sessions() as s:
        titles = sorted(s.scalars(select(Track.title)))
        assert s.scalar(select(func.count()).select_from(Track)) == 2
    container.close()
    assert titles == ["After", "Good"]


def test_an_unreadable_folder_cover_is_one_plain_warning(tmp_path: Path, sqlite_template: Path) -> None:
    """probe25b L1: a folder with an unreadable cover.jpg printed, for each of its tracks, "cover art ignored
    (UnidentifiedImageError: cannot identify image file <_io.BytesIO object at 0x7fc4675bbba0>)"."""
    album = tmp_path / "music" / "Covers"
    album.mkdir(parents=True)
    for n, freq in enumerate((440.0, 550.0, 660.0), start=1):
        c.write_flac(album / f"0{n} song.flac", c.tone(2.0, freq), title=f"Song {n}", artist="A", album="Covers")
    (album / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    env = encore_env(mode="dev", data_dir=str(tmp_path / "var"))
    migrated_sqlite(sqlite_template, tmp_path / "var" / "encore.db")
    assert run_cli(["migrate"], env).code == 0
    ran = run_cli(["ingest", str(tmp_path / "music"), "--workers", "1"], env, timeout_s=300)
    assert ran.code == 0, ran.output
    said = _unwrapped(ran.output)
    assert said.count("coverartignored") == 1, ran.output  # once, not per track
    expected = f"warning {album}: cover art ignored: cover.jpg in its folder is not a picture Encore can read"
    warning = said[said.index(_unwrapped(expected)) :]
    assert warning.split(")", 2)[1] == "(3files", ran.output  # its reason's "(a whole JPEG...)", then the count
    assert "BytesIO" not in ran.output and "0x" not in ran.output


def _unwrapped(text: str) -> str:
    """`text` without its whitespace: the same words however wide the console was (rich wraps long paths anywhere,
    and a CI runner's terminal settings can pin it at 80 columns whatever COLUMNS says)."""
    return re.sub(r"\s+", "", text)


def _table_rows(output: str) -> list[list[str]]:
    """The body of each of rich's boxed tables in `output` (a run of lines framed by │), its cells' text joined
    column by column and unwrapped. Rows are not ruled apart, so a table's body is one entry: the tests here
    read tables of one row."""
    tables: list[list[str]] = []
    inside = False
    for line in output.splitlines():
        cells = line.strip().split("│")
        if len(cells) < 3 or cells[0] or cells[-1]:
            inside = False
            continue
        cells = [_unwrapped(cell) for cell in cells[1:-1]]
        if inside and len(tables[-1]) == len(cells):
            tables[-1] = [a + b for a, b in zip(tables[-1], cells, strict=True)]
        else:
            tables.append(cells)
        inside = True
    return tables
