"""An ingest offering a file's lyrics while the label saves its own for the same track: the label's edit wins,
whichever commits first. The ingest read the stored lyrics (a file's, not the label's), the label's save was
committed, and the ingest then wrote the file's lyrics over the label's. The label's save is let go at the
moment the ingest has read, and the ingest waits for it (up to a few seconds: under the fix the save waits
for the ingest's lock, and goes after it)."""

import threading

import pytest
from sqlalchemy import select

from encore import lyrics
from encore.bootstrap import Container
from encore.db import transaction
from encore.lyrics import Line, Lyrics, Source, TrackLyrics
from tests.catalog import factories as f

FILE_LYRICS = Lyrics(synced=True, lines=(Line(1_000, "from the file"),))
EMBEDDED = Lyrics(synced=False, lines=(Line(None, "from the tags"),))
LABELS = Lyrics(synced=True, lines=(Line(2_000, "the label's own words"),))


def _track(container: Container) -> int:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Nina Vale")
        track = f.track(s, "Harbour Lights", f.album(s, "Harbour", band), [band])
        lyrics.save_lyrics(s, track_id=track.id, lyrics=EMBEDDED, source=Source.EMBEDDED)
        return track.id


def test_a_labels_lyrics_saved_while_an_ingest_offers_a_files_are_kept(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    track_id = _track(container)
    failures: list[BaseException] = []

    def label_saves() -> None:
        try:
            with transaction(container.sessions) as s:
                lyrics.save_lyrics(s, track_id=track_id, lyrics=LABELS, source=Source.LABEL)
        except BaseException as exc:
            failures.append(exc)

    label = threading.Thread(target=label_saves)
    read = lyrics._service.lyrics_of

    def read_then_let_the_label_save(*args: object, **kwargs: object) -> object:
        found = read(*args, **kwargs)  # type: ignore[arg-type]
        if not label.is_alive() and label.ident is None:
            label.start()
            label.join(3)
        return found

    monkeypatch.setattr(lyrics._service, "lyrics_of", read_then_let_the_label_save)
    with transaction(container.sessions) as s:
        lyrics.offer_lyrics(s, track_id=track_id, lyrics=FILE_LYRICS, source=Source.SIDECAR)
    label.join(30)
    assert not failures and label.ident is not None
    with container.sessions() as s:
        assert s.scalar(select(TrackLyrics.source)) == Source.LABEL.value
        stored = lyrics.lyrics_of(s, track_id=track_id)
    assert stored is not None and stored.lyrics == LABELS
