"""Review31c M1, at the ingest: a file whose label tag reads as an existing label by a letter of another script is
filed under that label and the summary says so; `encore ingest --label` with such a name (an operator typing) is
refused rather than joining; a plain ASCII name that only resembles a label ("Modem" and "Modern") is its own."""

from pathlib import Path

from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Album, Label, Track
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

USG = "Universal Sound Group"
CYRILLIC = "Universal Sound Gr\u043eup"


def _file(tmp_path: Path, name: str, freq: float, **tags: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    c.write_flac(folder / f"{name}.flac", c.tone(1.5, freq), **tags)
    return folder


def _owner(c: Container, title: str) -> str | None:
    with c.sessions() as s:
        return s.scalar(
            select(Label.name).join(Album, Album.label_id == Label.id).join(Track).where(Track.title == title)
        )


def test_a_look_alike_tag_is_filed_under_the_label_and_the_report_says_so(
    db_container: Container, tmp_path: Path
) -> None:
    assert ingest(db_container, _file(tmp_path, "a", 440, title="One", artist="Ada", album="A", label=USG)).imported
    summary = ingest(db_container, _file(tmp_path, "b", 550, title="Two", artist="Bo", album="B", label=CYRILLIC))
    assert summary.imported == 1 and _owner(db_container, "Two") == USG
    [(_, said)] = summary.warnings
    assert f"tag {CYRILLIC!r} filed under label {USG!r}" in said, said
    with db_container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == [USG]


def test_ingest_label_that_reads_as_another_is_refused(db_container: Container, tmp_path: Path) -> None:
    assert ingest(db_container, _file(tmp_path, "a", 440, title="One", artist="Ada", album="A"), label=USG).imported
    summary = ingest(db_container, _file(tmp_path, "b", 550, title="Two", artist="Bo", album="B"), label=CYRILLIC)
    assert summary.imported == 0
    [(_, why)] = summary.failed
    assert f"reads as the existing label {USG!r}" in why, why
    with db_container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == [USG]


def test_a_plain_ascii_tag_like_a_label_is_a_label_of_its_own(db_container: Container, tmp_path: Path) -> None:
    assert ingest(
        db_container, _file(tmp_path, "a", 440, title="One", artist="Ada", album="A"), label="Modern"
    ).imported
    summary = ingest(db_container, _file(tmp_path, "b", 550, title="Two", artist="Bo", album="B", label="Modem"))
    assert summary.imported == 1 and not summary.warnings
    assert (_owner(db_container, "One"), _owner(db_container, "Two")) == ("Modern", "Modem")
    forced = ingest(db_container, _file(tmp_path, "c", 660, title="Three", artist="Cy", album="C"), label="Stem")
    assert forced.imported == 1 and _owner(db_container, "Three") == "Stem"
