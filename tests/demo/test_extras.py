"""The demo's Premium exclusives (issue #18): each kind (interview, demo version, pre-release, artwork gallery),
built by the background part of the build, never before the first album; locked for free, open for Premium."""

import shutil

import numpy as np
import pytest
from rich.console import Console
from sqlalchemy import func, select

from encore import exclusives
from encore.accounts import get_user_by_name
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.cli._demo import DemoOptions, _ensure_extras, _import_album, run_demo_command
from encore.demo import DemoSpec, extras_album, library_dir, plan_catalogue
from encore.demo._synth import RATE, synthesize
from encore.demo._voice import interview_script, speech_like, spoken

SPEC = DemoSpec(artists=2, albums=2, tracks=4, min_track_s=2.0, max_track_s=3.0, seed=11)


def _kinds(c: Container) -> list[str]:
    with c.sessions() as s:
        return sorted(s.scalars(select(exclusives.Exclusive.kind)))


def test_every_kind_is_built_after_the_first_album_locked_for_free_and_open_for_premium(container: Container) -> None:
    first = DemoOptions(SPEC, first_only=True, force=False, workers=1)
    run_demo_command(container, options=first, console=Console(record=True))
    assert _kinds(container) == ["prerelease"]  # the first album's step builds none of the extras' audio
    # What the background part runs first, before the rest of the catalogue (the whole build, with years of
    # listening and Wrapped, is make run's own test)
    library = library_dir(container.settings.data_dir)
    _ensure_extras(container, plan_catalogue(SPEC).albums[0], library, Console(record=True))
    assert _kinds(container) == ["demo", "gallery", "interview", "prerelease"]
    now = container.clock.now()
    with container.sessions() as s:
        album = s.scalars(select(Album).where(Album.title == plan_catalogue(SPEC).albums[0].title)).one()
        free, premium = (get_user_by_name(s, username=n) for n in ("demo", "premium"))
        assert free is not None and premium is not None
        locked = exclusives.list_exclusives(s, user_id=free.id, album_id=album.public_id, now=now)
        opened = exclusives.list_exclusives(s, user_id=premium.id, album_id=album.public_id, now=now)
        assert sorted(x.kind for x in locked) == ["demo", "gallery", "interview", "prerelease"]
        assert all(x.locked and x.track_id is None and not x.images for x in locked)
        assert not any(x.locked for x in opened)
        by_kind = {x.kind: x for x in opened}
        assert len(by_kind["gallery"].images) == by_kind["gallery"].image_count == 4
        for kind in ("interview", "demo", "prerelease"):
            track = s.scalars(select(Track).where(Track.public_id == by_kind[kind].track_id)).one()
            assert track.duration_ms > 1000  # real audio, ingested
        interview = s.scalars(select(Track).where(Track.public_id == by_kind["interview"].track_id)).one()
        assert interview.album.availability == "premium"  # the extras' own release is not a free album
        assert interview.album.status == "published"  # listed once Premium, in the same transaction
        for position in range(4):
            key = exclusives.open_image(
                s, user_id=premium.id, exclusive_id=by_kind["gallery"].id, position=position, now=now
            )
            assert exclusives.image_path(container.store, key=key, size=300).is_file()
        counted = s.scalar(select(func.count()).select_from(exclusives.Exclusive))
    _ensure_extras(container, plan_catalogue(SPEC).albums[0], library, Console(record=True))
    with container.sessions() as s:  # a re-run (a resumed build) adds nothing
        assert s.scalar(select(func.count()).select_from(exclusives.Exclusive)) == counted


def test_the_extras_audio_lands_unlisted_until_it_is_premium(container: Container) -> None:
    """The extras' ingest commits before they are made Premium: as a draft, a crash in between leaves Premium
    audio listed nowhere and streamable by no one (it was a public album for a while)."""
    first = plan_catalogue(SPEC).albums[0]
    library = library_dir(container.settings.data_dir)
    _import_album(container, extras_album(first), library, 1, Console(record=True), draft=True)
    with container.sessions() as s:
        albums = s.scalars(select(Album).where(Album.title == extras_album(first).title)).all()
        assert len(albums) == 1 and albums[0].status == "draft"
        assert {t.status for t in s.scalars(select(Track).where(Track.album_id == albums[0].id))} == {"draft"}


def _rms(audio: np.ndarray, window_s: float = 0.05) -> np.ndarray:
    mono = audio[:, 0]
    n = int(window_s * RATE)
    frames = mono[: mono.size // n * n].reshape(-1, n)
    return np.sqrt((frames**2).mean(axis=1))


def test_the_interview_sounds_like_speech_not_music() -> None:
    """Speech pauses between phrases and keeps its energy under 4 kHz; the demo's music plays on."""
    talk = speech_like(seconds=12.0, seed=5)
    song = synthesize(seconds=12.0, seed=5, timbre=3, tempo=(100, 110))
    quiet = lambda a: float((_rms(a) < 0.01 * float(np.abs(a).max())).mean())  # noqa: E731
    assert 0.1 < quiet(talk) < 0.6
    assert quiet(song[: int(10 * RATE)]) < 0.05  # before the fade-out
    spectrum = np.abs(np.fft.rfft(talk[:, 0])) ** 2
    freqs = np.fft.rfftfreq(talk.shape[0], 1 / RATE)
    assert spectrum[freqs < 4000].sum() > 0.95 * spectrum.sum()
    assert not np.array_equal(speech_like(seconds=3.0, seed=1), speech_like(seconds=3.0, seed=2))


def test_the_extras_release_is_the_first_albums_label_with_an_interview_and_a_demo_version() -> None:
    first = plan_catalogue(SPEC).albums[0]
    extras = extras_album(first)
    assert extras.label == first.label and extras.upc != first.upc
    demo, talk = extras.tracks
    assert (demo.voice, talk.voice) == (False, True) and "synthesised" in talk.title
    assert demo.seed == first.tracks[0].seed  # the same song, played another way
    assert demo.isrc != first.tracks[0].isrc


def test_the_interview_speaks_words_with_espeak_ng() -> None:
    """`make system-deps` installs espeak-ng when it can (it is optional); without it the demo uses the wordless
    voice, tested above."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("OPTIONAL espeak-ng is not installed here (make system-deps tries to): spoken words untested")
    talk = spoken(interview_script("Nina Vale"), seconds=24.0)
    assert talk is not None and talk.shape == (int(24.0 * RATE), 2) and talk.dtype == np.float32
    assert float(np.abs(talk).max()) == pytest.approx(10 ** (-3 / 20), rel=1e-3)
    quiet = float((_rms(talk) < 0.01 * float(np.abs(talk).max())).mean())
    assert 0.05 < quiet < 0.7  # words with gaps between them, and silence after the last one
    shorter = spoken("Hello.", seconds=2.0)
    assert shorter is not None and shorter.shape[0] == int(2.0 * RATE)
    assert not np.array_equal(talk[: shorter.shape[0]], shorter)  # the words decide the sound
