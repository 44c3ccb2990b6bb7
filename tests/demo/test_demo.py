from pathlib import Path

import av
import mutagen
import numpy as np

from encore.demo import DemoSpec, plan_catalogue, synthesize, upc_with_check, write_demo_library


def test_default_plan_meets_the_catalogue_minimums() -> None:
    plan = plan_catalogue(DemoSpec())
    assert plan_catalogue(DemoSpec()) == plan  # deterministic from the seed
    kinds = [kind for _, kind in plan.labels]
    assert kinds.count("major") >= 3 and kinds.count("indie") >= 3
    assert len(plan.artists) >= 12 and len(plan.albums) >= 20 and plan.track_count >= 150
    assert {a.album_type for a in plan.albums} >= {"album", "compilation"}
    tracks = [t for a in plan.albums for t in a.tracks]
    assert all(30 <= t.seconds <= 90 for t in tracks)
    assert len({t.isrc for t in tracks}) == len(tracks)
    assert any(len(t.artists) > 1 for t in tracks)
    assert all(upc_with_check(a.upc[:11]) == a.upc for a in plan.albums)


def _spectrum(x: np.ndarray) -> np.ndarray:
    mono = x.mean(axis=1)[: 44_100 * 2]
    mag = np.abs(np.fft.rfft(mono))
    return mag / np.linalg.norm(mag)


def test_tracks_sound_different() -> None:
    a = synthesize(seconds=3, seed=1, timbre=10, tempo=(90, 120))
    b = synthesize(seconds=3, seed=2, timbre=20, tempo=(90, 120))
    assert a.shape == (3 * 44_100, 2) and np.abs(a).max() <= 1.0
    assert float(_spectrum(a) @ _spectrum(b)) < 0.6
    assert np.array_equal(a, synthesize(seconds=3, seed=1, timbre=10, tempo=(90, 120)))


def test_written_files_carry_tags_and_decode_to_the_planned_length(tmp_path: Path) -> None:
    plan = plan_catalogue(DemoSpec(artists=4, albums=4, tracks=8, min_track_s=1.0, max_track_s=2.0, seed=3))
    files = write_demo_library(plan, tmp_path)
    assert len(files) == 8 and {f.suffix for f in files} >= {".flac", ".mp3", ".ogg"}
    by_title = {t.title: (t, a) for a in plan.albums for t in a.tracks}
    for path in files:
        tags = mutagen.File(path, easy=True)
        track, album = by_title[tags["title"][0]]
        assert tags["album"][0] == album.title
        with av.open(str(path)) as container:
            seconds = float(container.duration or 0) / 1_000_000
        assert abs(seconds - track.seconds) < 0.2
    for album in plan.albums:
        folder = files[0].parents[2] / album.artist / album.title
        assert album.embed_art or (folder / "cover.jpg").exists()
