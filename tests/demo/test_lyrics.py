"""Demo lyrics: some tracks (the odd-numbered ones) get generated LRC that parses and fits inside the track."""

from encore import lyrics
from encore.demo import DemoSpec, plan_catalogue
from encore.demo._lyrics import demo_lrc


def test_odd_tracks_get_synced_lyrics_that_fit() -> None:
    spec = DemoSpec(artists=3, albums=3, tracks=9, min_track_s=3.0, max_track_s=40.0, seed=5)
    tracks = [t for album in plan_catalogue(spec).albums for t in album.tracks]
    with_lyrics = 0
    for track in tracks:
        lrc = demo_lrc(track)
        if track.number % 2 == 0:
            assert lrc is None
            continue
        assert lrc is not None
        with_lyrics += 1
        parsed = lyrics.parse(lrc)
        assert parsed.synced and parsed.language == "eng" and parsed.lines
        lyrics.check_fits(parsed, duration_ms=int(track.seconds * 1000) - 500)  # room for the encoder's rounding
        assert [line.start_ms for line in parsed.lines] == sorted(line.start_ms or 0 for line in parsed.lines)
        assert demo_lrc(track) == lrc  # deterministic
    assert 0 < with_lyrics < len(tracks)
