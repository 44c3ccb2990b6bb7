"""The catalogue's lock order (catalog._version): its version row first, then any other lock a catalogue writer
takes. review18 found two deadlocks on PostgreSQL where one transaction took them the other way round: a label's
release form (the release's row held by `_claim`, or an ISRC held by the form) and an upload or ingest whose
first flush had taken the version row. Each racer here waits at a barrier, then one holds its first lock for a
second while the other asks: on the old order one of the two was the deadlock's victim (a failed save or a
failed upload); now the later one waits and both go through. SQLite has one writer: both pass there too."""

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest

from encore import catalog, labels
from encore.bootstrap import Container
from encore.catalog import Album, AlbumFacts, ReleaseStatus, TrackFacts
from encore.db import transaction
from encore.labels import ReleaseForm
from encore.labels._release_rules import TrackForm
from tests.catalog import factories as f

ISRC = "USRC17607839"
TODAY = date(2026, 11, 20)


def _draft(container: Container) -> tuple[int, int, str, str]:
    with transaction(container.sessions) as s:
        label = f.label(s, "Harbour Records")
        album = f.album(s, "Harbour Sampler", f.artist(s, "Harbour Band"), on=label)
        album.status = ReleaseStatus.DRAFT.value
        track = f.track(s, "Opening", album, [album.artists[0].artist])
        return label.id, album.id, album.public_id, track.public_id


def _both(*racers: tuple[str, Callable[[], None]]) -> dict[str, str]:
    outcomes: dict[str, str] = {}

    def run(name: str, body: Callable[[], None]) -> None:
        try:
            body()
            outcomes[name] = "ok"
        except Exception as exc:  # what failed is the assertion's message
            outcomes[name] = repr(exc)[:300]

    threads = [threading.Thread(target=run, args=racer) for racer in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_a_release_form_saved_during_an_upload_to_it(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    label_id, album_pk, album_id, track_id = _draft(container)
    gate = threading.Barrier(2)
    checked = labels._drafts.edit_problems

    def claimed_then_wait(*args: object, **kwargs: object) -> object:  # edit_release calls it right after _claim
        gate.wait(10)
        time.sleep(1.0)  # the upload's flush asks meanwhile
        return checked(*args, **kwargs)

    monkeypatch.setattr(labels._drafts, "edit_problems", claimed_then_wait)

    def upload() -> None:
        gate.wait(10)
        with transaction(container.sessions) as s:
            album = s.get(Album, album_pk)
            assert album is not None
            album.artwork_key = "cover-from-the-file"  # what offer_file_art does for a file with a cover
            s.flush()

    def form() -> None:
        with transaction(container.sessions) as s:
            labels.edit_release(s, label_id=label_id, album_id=album_id, today=TODAY,
                                form=ReleaseForm(tracks=(TrackForm(track_id, "Opening!", None),)))  # fmt: skip

    assert _both(("upload", upload), ("form", form)) == {"upload": "ok", "form": "ok"}


def test_a_release_form_and_an_ingest_setting_one_isrc(container: Container) -> None:
    label_id, _album_pk, album_id, track_id = _draft(container)
    gate = threading.Barrier(2)

    def ingest() -> None:
        with transaction(container.sessions) as s:
            facts = AlbumFacts(title="Opening (Single)", artists=["Harbour Band"], album_type="single", genres=[],
                               release_date=None, upc=None, label="Harbour Records", label_kind=None)  # fmt: skip
            single = catalog.upsert_album(s, facts=facts)  # a new album: the version row is held
            gate.wait(10)
            time.sleep(1.0)  # the form asks for the ISRC meanwhile
            track = TrackFacts(title="Opening", artists=["Harbour Band"], featured=[], duration_ms=1000, disc_number=1,
                               track_number=1, explicit=False, isrc=ISRC, genres=[], loudness_lufs=None,
                               true_peak_dbtp=None, gain_db=None)  # fmt: skip
            catalog.save_track(s, track=None, audio_hash="ab" * 8, album=single, facts=track)

    def form() -> None:
        gate.wait(10)
        with transaction(container.sessions) as s:
            labels.edit_release(s, label_id=label_id, album_id=album_id, today=TODAY,
                                form=ReleaseForm(tracks=(TrackForm(track_id, "Opening!", ISRC),)))  # fmt: skip

    assert _both(("ingest", ingest), ("form", form)) == {"ingest": "ok", "form": "ok"}
