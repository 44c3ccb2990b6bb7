"""An unforced ingest (no label forced: `encore ingest` without --label, an admin's upload) never changes an existing
album's label (review25m F5). One more file of a labelled album, tagged with another label's name, moved the whole
album, and every verified stream of it in the open months, to a label made from that tag; the statement paid
Label A's streams to "Some Distributor". The file still joins its release, and the summary says which label its
tag named."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Album, Label, Track
from encore.db import transaction
from encore.labels import Statement, Terms, compute_month
from encore.playback import VerifiedStream
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

TERMS = Terms(payout_share_pct=70, currency="EUR")
AT = datetime(2026, 11, 10, 12, tzinfo=UTC)


def _file(tmp_path: Path, name: str, freq: float, **tags: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    c.write_flac(folder / f"{name}.flac", c.tone(1.5, freq), **tags)
    return folder


def _by_label(st: Statement) -> dict[str, int]:
    out: dict[str, int] = {}
    for ln in st.lines:
        out[ln.label_name] = out.get(ln.label_name, 0) + ln.streams
    return out


def _owner(c: Container, title: str) -> str | None:
    with c.sessions() as s:
        return s.scalar(
            select(Label.name).join(Album, Album.label_id == Label.id).join(Track).where(Track.title == title)
        )


def test_one_more_file_tagged_with_another_label_leaves_the_album_and_its_streams(
    db_container: Container, tmp_path: Path
) -> None:
    """review25m's reproduction, with the warning and no label made from the tag."""
    first = _file(tmp_path, "a", 440, title="One", artist="Nina Vale", album="First", tracknumber="1")
    assert ingest(db_container, first, label="Label A").imported == 1  # the operator ingests Label A's release
    with transaction(db_container.sessions) as s:
        fan = create_user(s, username="fan", password="listener-pass-1")
        one = s.scalars(select(Track).where(Track.title == "One")).one()
        for i in range(4):
            s.add(VerifiedStream(user_id=fan.id, track_id=one.id, play_key=f"k{i}",
                                 first_byte_at=AT + timedelta(minutes=5 * i), audio_ms=60_000))  # fmt: skip
    bonus = _file(tmp_path, "b", 550, title="Bonus", artist="Nina Vale", album="First", tracknumber="2",
                  label="Some Distributor")  # fmt: skip
    summary = ingest(db_container, bonus)
    assert summary.imported == 1 and not summary.failed
    with db_container.sessions() as s:
        after = _by_label(compute_month(s, month="2026-11", terms=TERMS))
        albums = s.scalar(select(func.count()).select_from(Album))
        labels = list(s.scalars(select(Label.name)))
    assert (_owner(db_container, "One"), _owner(db_container, "Bonus"), albums) == ("Label A", "Label A", 1)
    assert after == {"Label A": 4}, after
    assert labels == ["Label A"]  # no label made from the tag's spelling
    [(_, said)] = summary.warnings
    assert "'Some Distributor'" in said and "'Label A'" in said and "keeps its label" in said, said


def test_a_changed_tag_on_a_file_already_ingested_leaves_its_album_too(db_container: Container, tmp_path: Path) -> None:
    folder = _file(tmp_path, "a", 440, title="One", artist="Nina Vale", album="First", label="Label A")
    assert ingest(db_container, folder).imported == 1  # unforced: a new album takes its file's label tag
    assert _owner(db_container, "One") == "Label A"
    c.write_flac(folder / "a.flac", c.tone(1.5, 440), title="One", artist="Nina Vale", album="First", label="Label B")
    summary = ingest(db_container, folder)
    assert summary.updated == 1 and _owner(db_container, "One") == "Label A"
    assert [w for _, w in summary.warnings if "'Label B'" in w], summary.warnings


def test_an_album_with_no_label_takes_the_tags_and_a_forced_run_says_nothing(
    db_container: Container, tmp_path: Path
) -> None:
    """Giving a label to an album that has none is no move (and files of one album committed in any order end on
    the same label); the same tag as the album's label is no warning."""
    bare = _file(tmp_path, "a", 440, title="One", artist="Ada", album="Solo")
    assert ingest(db_container, bare).imported == 1 and _owner(db_container, "One") is None
    tagged = _file(tmp_path, "b", 550, title="Two", artist="Ada", album="Solo", label="Label C")
    summary = ingest(db_container, tagged)
    assert summary.imported == 1 and not summary.warnings
    assert (_owner(db_container, "One"), _owner(db_container, "Two")) == ("Label C", "Label C")
    again = _file(tmp_path, "c", 660, title="Three", artist="Ada", album="Solo", label="label c")
    assert not ingest(db_container, again).warnings  # the same label, spelled otherwise
