"""The demo's Premium exclusives beside its pre-release: an interview (a speech synthesiser's voice, `demo/_voice.py`), a demo
version of the first album's opening song, and an artwork gallery. Built by the background part of the demo
build (after the first album is playable), idempotent: a re-run adds nothing."""

from dataclasses import replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.billing import Availability
from encore.catalog import Album, ReleaseStatus, Track, set_release_status
from encore.demo._plan import DemoAlbum, DemoTrack, upc_with_check
from encore.exclusives import Exclusive, ExclusiveImage, create_exclusive

INTERVIEW_ISRC = "GBENC9800001"
DEMO_VERSION_ISRC = "GBENC9800002"
INTERVIEW_TITLE = "Interview: the making of the record (synthesised voice)"
GALLERY_TITLE = "Artwork gallery: sketches and alternate covers"


def extras_album(first: DemoAlbum) -> DemoAlbum:
    """A small release on the first album's label holding the exclusives' audio; it is Premium only."""
    song = first.tracks[0]
    demo = replace(
        song,
        title=f"{song.title} (home demo)",
        number=1,
        seconds=min(song.seconds, 30.0),
        isrc=DEMO_VERSION_ISRC,
        timbre=song.timbre + 1,
        fmt="ogg",
        explicit=False,
        voice=False,
    )
    talk = DemoTrack(
        title=INTERVIEW_TITLE,
        artists=[first.artist],
        number=2,
        seconds=24.0,
        isrc=INTERVIEW_ISRC,
        explicit=False,
        seed=song.seed + 1,
        timbre=0,
        tempo=(100, 100),
        fmt="ogg",
        voice=True,
    )
    return replace(
        first,
        title=f"{first.title} (Premium extras)",
        album_type="ep",
        upc=upc_with_check("09800000001"),
        embed_art=True,
        palette=first.palette + 1,
        tracks=[demo, talk],
    )


def gallery_images(first: DemoAlbum, count: int = 4) -> list[bytes]:
    from encore.demo._cover import render_cover  # Pillow: only when drawing (#16)

    names = ["Sketch", "Alternate cover", "Studio wall", "Tour poster"]
    return [
        render_cover(title=f"{names[i % len(names)]} {i + 1}", artist=first.artist, palette=first.palette + 10 + i)
        for i in range(count)
    ]


def _track(session: Session, isrc: str) -> Track | None:
    return session.scalar(select(Track).where(Track.isrc == isrc))


def ensure_extras(session: Session, *, album: Album, images: list[str], now: datetime) -> int:
    """Attach the interview, the demo version and the gallery (its images already stored, by key) to `album`.
    Returns how many exclusives it created."""
    assert album.label_id is not None  # noqa: S101 - the demo's labelled album
    created = 0
    audio: tuple[tuple[Literal["interview", "demo"], str, str, str], ...] = (
        ("interview", INTERVIEW_TITLE, INTERVIEW_ISRC, "The band on how the record came together."),
        ("demo", "Home demo of the opening song", DEMO_VERSION_ISRC, "The first take, recorded at home."),
    )
    for kind, title, isrc, description in audio:
        track = _track(session, isrc)
        if track is None or session.scalar(select(Exclusive.id).where(Exclusive.title == title)) is not None:
            continue
        track.album.availability = Availability.PREMIUM.value  # the extras' own release: Premium only
        if track.album.status != ReleaseStatus.PUBLISHED.value:  # ingested as a draft: listed once it is Premium
            set_release_status(session, album=track.album, status=ReleaseStatus.PUBLISHED, now=now)
        create_exclusive(
            session,
            label_id=album.label_id,
            kind=kind,
            title=title,
            description=description,
            album_id=album.public_id,
            artist_id=None,
            track_id=track.public_id,
            availability=Availability.PREMIUM,
            release_at=None,
            now=now,
        )
        created += 1
    if images and session.scalar(select(Exclusive.id).where(Exclusive.title == GALLERY_TITLE)) is None:
        view = create_exclusive(
            session,
            label_id=album.label_id,
            kind="gallery",
            title=GALLERY_TITLE,
            description="Drafts and alternates from the artwork sessions.",
            album_id=album.public_id,
            artist_id=None,
            track_id=None,
            availability=Availability.PREMIUM,
            release_at=None,
            now=now,
        )
        row_id = session.scalar(select(Exclusive.id).where(Exclusive.public_id == view.id))
        assert row_id is not None  # noqa: S101 - just created
        for position, key in enumerate(images):
            session.add(
                ExclusiveImage(exclusive_id=row_id, position=position, image_key=key, caption=f"Artwork {position + 1}")
            )
        created += 1
    session.flush()
    return created


def has_gallery(session: Session) -> bool:
    return session.scalar(select(Exclusive.id).where(Exclusive.title == GALLERY_TITLE)) is not None
