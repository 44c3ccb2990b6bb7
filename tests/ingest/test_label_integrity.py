"""Hole 10 (#15): one label cannot reach into another's catalogue through an upload or an edit.

A label's upload may not credit another label's artist (and so attach exclusives to them), nor claim
another label's ISRC (and capture its matched listens); a file's tags never flip a label's kind.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from encore import exclusives, labels
from encore.billing import Availability
from encore.bootstrap import Container
from encore.catalog import Album, Artist, Label, Track
from encore.kernel import Conflict, NotFound
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

TODAY = date(2026, 12, 4)


def _file(tmp_path: Path, name: str, freq: float, **tags: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    c.write_flac(folder / f"{name}.flac", c.tone(1.5, freq), **tags)
    return folder


def _label(cont: Container, name: str) -> int:
    with cont.sessions() as s:
        found = s.scalar(select(Label.id).where(Label.name == name))
        assert found is not None
        return found


def test_an_upload_cannot_credit_another_labels_artist(db_container: Container, tmp_path: Path) -> None:
    ours = _file(tmp_path, "a", 440, title="Theirs", artist="Nina Vale", album="First")
    assert ingest(db_container, ours, label="Label A").imported == 1
    theirs = _file(tmp_path, "b", 550, title="Hijack", artist="Nina Vale", album="Second")
    summary = ingest(db_container, theirs, label="Label B")
    assert summary.imported == 0 and "another label's" in summary.failed[0][1]
    with db_container.sessions() as s:
        assert s.scalar(select(Track).where(Track.title == "Hijack")) is None


def test_exclusives_only_for_an_artist_wholly_on_the_label(db_container: Container, tmp_path: Path) -> None:
    # an admin's ingest credits one artist on two labels (a move, a collaboration): neither may lock them
    assert ingest(db_container, _file(tmp_path, "a", 440, title="One", artist="Duo", album="A1", label="A")).imported
    assert ingest(db_container, _file(tmp_path, "b", 550, title="Two", artist="Duo", album="B1", label="B")).imported
    with db_container.sessions() as s:
        duo = s.scalar(select(Artist.public_id).where(Artist.name == "Duo"))
        assert duo is not None
        with pytest.raises(NotFound):
            exclusives.create_exclusive(
                s,
                label_id=_label(db_container, "A"),
                kind="interview",
                title="Locked",
                description="",
                album_id=None,
                artist_id=duo,
                track_id=None,
                availability=Availability.PREMIUM,
                release_at=None,
                now=datetime.now(UTC),
            )


def test_an_isrc_of_another_label_is_not_taken(db_container: Container, tmp_path: Path) -> None:
    isrc = "GBAYE9900001"
    first = _file(tmp_path, "a", 440, title="Original", artist="Nina", album="First", isrc=isrc)
    assert ingest(db_container, first, label="Label A").imported == 1
    copy = _file(tmp_path, "b", 550, title="Copycat", artist="Other", album="Second", isrc=isrc)
    assert ingest(db_container, copy, label="Label B").imported == 1
    with db_container.sessions() as s, s.begin():
        copycat = s.scalar(select(Track).where(Track.title == "Copycat"))
        assert copycat is not None and copycat.isrc is None  # the claim is dropped
        with pytest.raises(Conflict) as refused:
            labels.edit_metadata(
                s, label_id=_label(db_container, "Label B"), kind="track", item_id=copycat.public_id,
                changes={"isrc": isrc},
            today=TODAY,
        )  # fmt: skip
        assert refused.value.code == "isrc_taken"
        original = s.scalar(select(Track).where(Track.title == "Original"))
        assert original is not None and original.isrc == isrc


def test_a_tag_cannot_flip_a_labels_kind(db_container: Container, tmp_path: Path) -> None:
    major = _file(tmp_path, "a", 440, title="Big", artist="Star", label="Major Co", encore_label_kind="major")
    assert ingest(db_container, major).imported == 1
    flip = _file(tmp_path, "b", 550, title="Small", artist="Star", label="Major Co", encore_label_kind="indie")
    assert ingest(db_container, flip).imported == 1
    with db_container.sessions() as s:
        assert s.scalar(select(Label.kind).where(Label.name == "Major Co")) == "major"


def test_a_upc_of_another_label_is_not_taken_and_the_upload_says_so(db_container: Container, tmp_path: Path) -> None:
    """The probe of session 15: a label published a release carrying another label's barcode (buy links and /v1
    external ids then named the wrong album), and a dropped ISRC came back with no warning."""
    upc, isrc = "099906726800", "GBAYE9900002"
    first = _file(tmp_path, "a", 440, title="Signals", artist="Nina", album="Thunder", barcode=upc, isrc=isrc)
    assert ingest(db_container, first, label="Label A").imported == 1
    copy = _file(tmp_path, "b", 550, title="Copy", artist="Other", album="Lookalike", barcode=upc, isrc=isrc)
    summary = ingest(db_container, copy, label="Label B")
    assert summary.imported == 1
    said = " ".join(w for _, w in summary.warnings)
    assert f"UPC {upc} belongs to another label's release" in said and f"ISRC {isrc} belongs to another" in said
    with db_container.sessions() as s, s.begin():
        lookalike = s.scalar(select(Album).where(Album.title == "Lookalike"))
        assert lookalike is not None and lookalike.upc is None  # the claim is dropped
        with pytest.raises(Conflict) as refused:
            labels.edit_metadata(
                s, label_id=_label(db_container, "Label B"), kind="album", item_id=lookalike.public_id,
                changes={"upc": f" {upc} "},
            today=TODAY,
        )  # fmt: skip
        assert refused.value.code == "upc_taken"
        for spelling in ("0" + upc, "00" + upc, upc.lstrip("0")):  # one barcode, a leading zero more or less
            with pytest.raises(Conflict):
                labels.edit_metadata(
                    s, label_id=_label(db_container, "Label B"), kind="album", item_id=lookalike.public_id,
                    changes={"upc": spelling},
            today=TODAY,
        )  # fmt: skip
        thunder = s.scalar(select(Album).where(Album.title == "Thunder"))
        assert thunder is not None and thunder.upc == upc
    again = _file(tmp_path, "c", 660, title="Second", artist="Nina", album="Thunder", barcode=upc)
    summary = ingest(db_container, again, label="Label A")  # the owner's own release keeps its code
    assert summary.imported == 1 and not summary.warnings
