"""A spot ingested again with new tags stays ad audio, out of search and out of every music release (review28a L1):
its writes indexed the spot's new title, release and artist again, so search's totals counted an ad ("See all 2"
over one track); retagged with a music release's name, it gets an ad release of that name (fixmisc28). With `--ad`
(the operator's way in) and without (a plain `encore ingest` over the same folder), on SQLite and PostgreSQL."""

import os
from pathlib import Path

import pytest
from mutagen.flac import FLAC
from sqlalchemy import func, select

from encore import ads
from encore.bootstrap import Container
from encore.catalog import Album, Track, search_catalogue
from encore.db import transaction
from encore.ingest import IngestSummary, run_ingest
from tests.ingest import corpus as c

KINDS = frozenset({"artist", "album", "track"})


def _ingest(container: Container, folder: Path, *, as_ad: bool) -> IngestSummary:
    return run_ingest(
        paths=[folder], session_factory=container.sessions, store=container.store, label_override=None, workers=1,
        progress=None, as_ad=ads.mark_spot if as_ad else None,
    )  # fmt: skip


def _found(container: Container, words: str) -> tuple[int, int, int]:
    with transaction(container.sessions) as s:
        page = search_catalogue(s, query=words, kinds=KINDS, limit=10, offset=0)
    return page.artists.total, page.albums.total, page.tracks.total


def _retag(path: Path, **tags: str) -> None:
    audio = FLAC(path)
    for key, value in tags.items():
        audio[key] = value
    audio.save()


@pytest.mark.parametrize("again_as_ad", [True, False], ids=["with --ad", "plain ingest"])
def test_a_spot_tagged_anew_stays_out_of_search_and_out_of_music(
    container: Container, tmp_path: Path, again_as_ad: bool
) -> None:
    songs, spots = tmp_path / "songs", tmp_path / "spots"
    songs.mkdir()
    spots.mkdir()
    c.write_flac(songs / "m.flac", c.tone(1.5, 330), title="Honey Roads", artist="Home Band", album="Home")
    assert _ingest(container, songs, as_ad=False).imported == 1
    spot = c.write_flac(spots / "s.flac", c.tone(1.5, 523), title="Quokka Spot", artist="Acme Ads", album="Acme Sale")
    assert _ingest(container, spots, as_ad=True).imported == 1
    assert _found(container, "quokka") == (0, 0, 0) and _found(container, "acme") == (0, 0, 0)

    _retag(spot, title="Honey Roads Promo", artist="Zebra Deals", album="Zebra Week")
    summary = _ingest(container, spots, as_ad=again_as_ad)
    assert summary.updated == 1 and not summary.failed, summary
    assert _found(container, "honey roads") == (0, 0, 1)  # the song alone: was (0, 0, 2) with one item shown
    assert _found(container, "zebra") == (0, 0, 0)  # nor the spot's new release or advertiser
    with transaction(container.sessions) as s:
        moved = s.scalars(select(Track).where(Track.title == "Honey Roads Promo")).one()
        assert moved.is_ad and moved.album.is_ad and moved.album.title == "Zebra Week"

    _retag(spot, album="Home", artist="Home Band")  # the song's release's name: a release of its own (fixmisc28)
    summary = _ingest(container, spots, as_ad=again_as_ad)
    assert summary.updated == 1 and not summary.failed, summary
    with transaction(container.sessions) as s:
        homes = {a.is_ad: a for a in s.scalars(select(Album).where(Album.title == "Home"))}
        assert set(homes) == {False, True}, homes  # the music release untouched, the spot in an ad one
        assert list(s.scalars(select(Track.title).where(Track.album_id == homes[False].id))) == ["Honey Roads"]
        assert list(s.scalars(select(Track.title).where(Track.album_id == homes[True].id))) == ["Honey Roads Promo"]
        assert s.scalars(select(Track).where(Track.title == "Honey Roads Promo")).one().is_ad
    assert _found(container, "home") == (1, 1, 1) and _found(container, "honey roads") == (0, 0, 1)


@pytest.mark.parametrize("again_as_ad", [True, False], ids=["with --ad", "plain ingest"])
def test_an_untagged_spot_read_again_keeps_its_own_release(
    container: Container, tmp_path: Path, again_as_ad: bool
) -> None:
    """review28a M1: an untagged spot touched and read again by a plain ingest moved out of its "Ad spot <hash>"
    release into one named after its folder, listed as music with no songs."""
    spots = tmp_path / "spots"
    spots.mkdir()
    spot = c.write_flac(spots / "s.flac", c.tone(1.5, 523), title="Quokka Spot")
    assert _ingest(container, spots, as_ad=True).imported == 1
    with transaction(container.sessions) as s:
        first = s.scalars(select(Track).where(Track.title == "Quokka Spot")).one().album.title
    assert first.startswith("Ad spot ")
    os.utime(spot, ns=(spot.stat().st_atime_ns, spot.stat().st_mtime_ns + 1_000_000_000))
    assert _ingest(container, spots, as_ad=again_as_ad).updated == 1
    with transaction(container.sessions) as s:
        track = s.scalars(select(Track).where(Track.title == "Quokka Spot")).one()
        assert track.is_ad and track.album.is_ad and track.album.title == first
        assert s.scalar(select(func.count()).select_from(Album).where(Album.is_ad.is_(False))) == 0
    assert _found(container, "spots") == (0, 0, 0)
