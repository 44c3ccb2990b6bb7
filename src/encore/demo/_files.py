"""Write the demo library as ordinary tagged files (FLAC, MP3, Ogg Vorbis), as a label would deliver."""

import base64
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path

import av
import numpy as np
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TPUB, TRCK, TSRC, TXXX
from mutagen.oggvorbis import OggVorbis

from encore.demo._cover import render_cover
from encore.demo._lyrics import demo_lrc
from encore.demo._plan import DemoAlbum, DemoCatalogue, DemoTrack
from encore.demo._synth import RATE, synthesize
from encore.demo._voice import interview_script, speech_like, spoken

_UNSAFE = re.compile(r"[^\w .,&'()-]+")


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .")[:100] or "untitled"


def _comments(album: DemoAlbum, track: DemoTrack) -> dict[str, list[str]]:
    tags = {
        "title": [track.title],
        "artist": track.artists,
        "album": [album.title],
        "albumartist": [album.artist],
        "tracknumber": [f"{track.number}/{len(album.tracks)}"],
        "discnumber": ["1/1"],
        "date": [album.released.isoformat()],
        "genre": [album.genre],
        "isrc": [track.isrc],
        "label": [album.label] if album.label else [],
        "encore_label_kind": [album.label_kind] if album.label_kind else [],
        "barcode": [album.upc],
        "releasetype": [album.album_type],
    }
    tags = {name: values for name, values in tags.items() if values}  # the ad spot has no label (no tag at all)
    if album.album_type == "compilation":
        tags["compilation"] = ["1"]
    if track.explicit:
        tags["explicit"] = ["1"]
    return tags


def _picture(cover: bytes) -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.desc, pic.data = 3, "image/jpeg", "cover", cover
    pic.width = pic.height = 1000
    return pic


def _write_flac(path: Path, audio: np.ndarray, tags: dict[str, list[str]], cover: bytes | None) -> None:
    sf.write(path, audio, RATE, format="FLAC", subtype="PCM_16")
    f = FLAC(path)
    f.update(tags)
    if cover:
        f.add_picture(_picture(cover))
    f.save()


def _write_ogg(path: Path, audio: np.ndarray, tags: dict[str, list[str]], cover: bytes | None) -> None:
    with sf.SoundFile(path, "w", RATE, 2, format="OGG", subtype="VORBIS", compression_level=0.4) as out:
        for i in range(0, len(audio), RATE):
            out.write(audio[i : i + RATE])
    f = OggVorbis(path)
    f.update(tags)
    if cover:
        f["metadata_block_picture"] = [base64.b64encode(_picture(cover).write()).decode()]
    f.save()


def _write_mp3(path: Path, audio: np.ndarray, tags: dict[str, list[str]], cover: bytes | None) -> None:
    with av.open(str(path), "w", format="mp3") as out:
        # LAME's algorithm level 7 encodes about 3x faster than its default; the demo's synthetic music
        # cannot tell, and ingest re-encodes it for streaming anyway.
        stream = out.add_stream("libmp3lame", rate=RATE, options={"compression_level": "7"})
        stream.bit_rate, stream.layout = 256_000, "stereo"
        for i in range(0, len(audio), 8192):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(audio[i : i + 8192].T), format="fltp", layout="stereo"
            )
            frame.sample_rate, frame.pts, frame.time_base = RATE, i, Fraction(1, RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    id3 = ID3()
    frames = {
        "title": TIT2,
        "artist": TPE1,
        "album": TALB,
        "albumartist": TPE2,
        "tracknumber": TRCK,
        "discnumber": TPOS,
        "date": TDRC,
        "genre": TCON,
        "isrc": TSRC,
        "label": TPUB,
    }
    for key, values in tags.items():
        kind = frames.get(key)
        id3.add(kind(encoding=3, text=values) if kind else TXXX(encoding=3, desc=key.upper(), text=values))
    if cover:
        id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=cover))
    id3.save(path, v2_version=4)


_WRITERS: dict[str, Callable[[Path, np.ndarray, dict[str, list[str]], bytes | None], None]] = {
    "flac": _write_flac,
    "ogg": _write_ogg,
    "mp3": _write_mp3,
}


def track_path(folder: Path, track: DemoTrack) -> Path:
    return folder / f"{track.number:02d} - {_safe(track.title)}.{track.fmt}"


def _write_track(args: tuple[DemoAlbum, DemoTrack, Path, bytes | None]) -> Path:
    """Synthesise and write one file, unless an earlier run already wrote it (the library is the cache).
    The file appears under its name only once complete (a hidden temp name until then), so a build that
    was stopped half-way never leaves a truncated file that a later run would take as done."""
    album, track, folder, cover = args
    path = track_path(folder, track)
    lrc = demo_lrc(track)
    if lrc is not None and not path.with_suffix(".lrc").exists():  # before the audio: ingest reads it beside
        path.with_suffix(".lrc").write_text(lrc, encoding="utf-8")
    if path.exists():
        return path
    if track.voice:
        words = spoken(interview_script(track.artists[0]), seconds=track.seconds)
        audio = words if words is not None else speech_like(seconds=track.seconds, seed=track.seed)
    else:
        audio = synthesize(seconds=track.seconds, seed=track.seed, timbre=track.timbre, tempo=track.tempo)
    tmp = folder / f".{os.getpid()}-{path.name}.part"
    try:
        _WRITERS[track.fmt](tmp, audio, _comments(album, track), cover)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def album_folder(out_dir: Path, album: DemoAlbum) -> Path:
    return out_dir / _safe(album.artist) / _safe(album.title)


def _album_jobs(album: DemoAlbum, out_dir: Path) -> list[tuple[DemoAlbum, DemoTrack, Path, bytes | None]]:
    folder = album_folder(out_dir, album)
    folder.mkdir(parents=True, exist_ok=True)
    if all(track_path(folder, t).exists() for t in album.tracks) and (
        album.embed_art or (folder / "cover.jpg").exists()
    ):
        cover = None  # everything is on disk already: no cover to draw
    else:
        cover = render_cover(title=album.title, artist=album.artist, palette=album.palette)
        if not album.embed_art:
            (folder / "cover.jpg").write_bytes(cover)
    return [(album, track, folder, cover if album.embed_art else None) for track in album.tracks]


def write_demo_library(
    catalogue: DemoCatalogue, out_dir: Path, *, workers: int = 1, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
    """Write every album's files (those already written by an earlier run are kept, not synthesised again)."""
    jobs = [job for album in catalogue.albums for job in _album_jobs(album, out_dir)]
    done: list[Path] = []
    if workers <= 1:
        for path in map(_write_track, jobs):
            done.append(path)
            if progress:
                progress(len(done), len(jobs))
        return done
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
        for path in pool.map(_write_track, jobs, chunksize=1):
            done.append(path)
            if progress:
                progress(len(done), len(jobs))
    return done
