"""Stage 7, commit (parent process): move renditions into the store, then write the rows.

Files are renamed into place before the transaction commits; if the process dies in between, the
files have no rows and the next run's sweep removes them, then imports the file again.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import lyrics
from encore.catalog import (
    AlbumFacts,
    AlbumType,
    Label,
    ReleaseStatus,
    RenditionFacts,
    Track,
    TrackFacts,
    drop_empty_albums,
    hold_for_ingest,
    identity_key,
    look_alike_reason,
    offer_file_art,
    replace_renditions,
    save_track,
    set_release_status,
    upsert_album,
)
from encore.ingest._analyze import Analyzed, Job
from encore.ingest._artwork import artwork_relpath
from encore.ingest._audio import AudioResult
from encore.ingest._filenames import NameFacts, name_facts
from encore.ingest._models import SourceFile
from encore.ingest._tags import Tags
from encore.storage import MediaStore

_TYPES = {
    "album": AlbumType.ALBUM,
    "single": AlbumType.SINGLE,
    "ep": AlbumType.EP,
    "compilation": AlbumType.COMPILATION,
}


@dataclass(frozen=True)
class Committed:
    outcome: str  # imported | updated | duplicate
    stale_files: list[str]
    track_id: str  # the public id of the track the file is (for a duplicate: the one it duplicates)
    warnings: list[str] = field(default_factory=list)
    # A duplicate of a track on a release that is not of the label the upload is for (`label_override`): another
    # label's, a draft included, or one on no label. Whoever answers a label says so without naming the track.
    elsewhere: bool = False
    # Artwork keys this commit leaves unnamed by its albums: the art the track's album had (new art, or the track
    # moved to another album), the art its album had before the file's replaced it (a new file too: review29c L1),
    # and the file's own art when its release keeps a label's chosen cover. Their files go once the commit lands,
    # unless another album names them (`drop_replaced_cover`'s rule).
    let_go_art: tuple[str, ...] = ()


def _fallback_names(job: Job) -> tuple[NameFacts, str]:
    """What the file's name says (title, track and disc numbers) and the album, for what the tags do not say: the
    file's stem and folder (an upload: its name)."""
    if job.name_hint:
        return name_facts(Path(job.name_hint).stem), "Unknown Album"
    path = Path(job.path)
    return name_facts(path.stem), path.parent.name[:300] or "Unknown Album"


def _album_facts(tags: Tags, fallback_album: str, label_override: str | None) -> AlbumFacts:
    album_type = _TYPES.get(tags.release_type or "", AlbumType.COMPILATION if tags.compilation else AlbumType.ALBUM)
    album_artists = tags.album_artists or (["Various Artists"] if tags.compilation else tags.artists[:1])
    return AlbumFacts(
        title=tags.album or fallback_album,
        artists=album_artists or ["Unknown Artist"],
        album_type=album_type.value,
        release_date=tags.release_date,
        upc=tags.upc,
        label=label_override or tags.label,
        label_kind=tags.label_kind,
        genres=tags.genres,
    )


def _track_facts(tags: Tags, named: NameFacts, audio: AudioResult | None, duration_ms: int) -> TrackFacts:
    """Tags win; the name numbers a file whose tags give no track number (its disc too, unless tagged)."""
    return TrackFacts(
        title=tags.title or named.title or "Untitled",
        artists=tags.artists or ["Unknown Artist"],
        featured=tags.featured,
        duration_ms=audio.duration_ms if audio else duration_ms,
        disc_number=tags.disc or (named.disc if tags.track is None else None) or 1,
        track_number=tags.track or named.track or 1,
        explicit=tags.explicit,
        isrc=tags.isrc,
        genres=tags.genres,
        loudness_lufs=audio.loudness_lufs if audio else None,
        true_peak_dbtp=audio.true_peak_dbtp if audio else None,
        gain_db=audio.gain_db if audio else None,
    )


def _place_files(store: MediaStore, result: Analyzed) -> list[RenditionFacts]:
    if result.artwork is not None:
        for size, temp in result.artwork.temp_paths.items():
            store.commit(Path(temp), artwork_relpath(result.artwork.key, size))
    if result.audio is None:
        return []
    h = result.audio_hash
    specs = [
        ("vorbis160", result.audio.vorbis, f"audio/{h[:2]}/{h}.vorbis160.ogg", "vorbis", 160_000, 44_100),
        ("opus96", result.audio.opus, f"audio/{h[:2]}/{h}.opus96.opus", "opus", 96_000, 48_000),
    ]
    out = []
    for kind, file, rel, codec, bitrate, rate in specs:
        store.commit(Path(file.temp_path), rel)
        out.append(RenditionFacts(kind, rel, codec, bitrate, rate, 2, file.size, file.sha256))
    return out


def discard_temp_files(result: Analyzed) -> None:
    temps = [result.audio.vorbis.temp_path, result.audio.opus.temp_path] if result.audio else []
    temps += list(result.artwork.temp_paths.values()) if result.artwork else []
    for temp in temps:
        Path(temp).unlink(missing_ok=True)


def commit_result(
    session: Session,
    *,
    store: MediaStore,
    result: Analyzed,
    source: SourceFile | None,
    label_override: str | None,
    draft: bool = False,
    spot: bool = False,
) -> Committed:
    """`draft` (a label's upload): a new track lands in the label's draft release, listed nowhere until the
    label publishes it (encore.labels). `spot` (an advertiser's, `run_ingest`'s `as_ad`): a file with no album tag
    is a release of its own, named by its audio, never the shared "Unknown Album" that untagged music lands in
    (review27c M2: the spot's album hid the songs that joined it, or a song there refused every spot)."""
    same_audio = session.scalar(select(Track).where(Track.audio_hash == result.audio_hash))
    # A file recorded as a duplicate never owns the track: touching the copy must not retag the original.
    owns = source is not None and source.track_id is not None and source.status != "duplicate"
    own = session.get(Track, source.track_id) if owns and source is not None else None
    if same_audio is not None and (own is None or own.id != same_audio.id):
        discard_temp_files(result)  # the same audio under another name: one track
        _record(session, source, result, same_audio.id, status="duplicate", label=label_override)
        elsewhere = label_override is not None and not _on_label(same_audio, label_override)
        return Committed("duplicate", [], same_audio.public_id, elsewhere=elsewhere)
    track = own or same_audio
    if track is not None and result.audio is None and track.audio_hash != result.audio_hash:
        raise RuntimeError("tags-only update for changed audio")  # cannot happen: the worker re-transcodes
    if track is not None:
        _refuse_if_taken_down(session, track)
    renditions = _place_files(store, result)
    had_art = track.album.artwork_key if track is not None else None  # read before `upsert_album` may change it
    named, fallback_album = _fallback_names(result.job)
    spot = spot or (track is not None and track.is_ad)  # a spot read again, with `--ad` or not (review28a M1)
    if spot:
        fallback_album = f"Ad spot {result.audio_hash[:12]}"
    album_facts = _album_facts(result.tags, fallback_album, label_override)
    album = upsert_album(
        session,
        facts=album_facts,
        label_forced=label_override is not None,
        draft=draft and track is None,
        ad=spot,
    )
    file_art = result.artwork.key if result.artwork else None
    replaced_art = offer_file_art(album, file_art)  # never a label's chosen cover (review29c L1)
    old_album = track.album_id if track is not None else None
    facts = _track_facts(result.tags, named, result.audio, track.duration_ms if track else 0)
    saved = save_track(session, track=track, audio_hash=result.audio_hash, album=album, facts=facts)
    stale = replace_renditions(session, track=saved, renditions=renditions) if renditions else []
    if album.status != ReleaseStatus.PUBLISHED.value:  # unlisted: the track and its credits leave search too
        set_release_status(session, album=album, status=ReleaseStatus(album.status))
    if old_album is not None and old_album != album.id:
        drop_empty_albums(session, album_ids={old_album})
    _record(session, source, result, saved.id, status="imported", label=label_override)
    warnings = _dropped_claims(upc=(album_facts.upc, album.upc), isrc=(facts.isrc, saved.isrc))
    if label_override is None:
        warnings += _label_kept(tagged=album_facts.label, release=album.title, held_by=album.label)
    warnings += _save_lyrics(session, result, track_id=saved.id, duration_ms=saved.duration_ms)
    let_go = tuple(dict.fromkeys(k for k in (had_art, replaced_art, file_art) if k and k != album.artwork_key))
    outcome = "updated" if track is not None else "imported"
    return Committed(outcome, stale, saved.public_id, warnings, let_go_art=let_go)


def _refuse_if_taken_down(session: Session, track: Track) -> None:
    """A changed file of a track on a release the operator took down changes nothing (`ReleaseTakenDown`, and a new
    file naming that release, `upsert_album`): moved to another album, as retagged files were, the emptied album's
    row went with its takedown and the label could publish the music again (review22m F2); updated in place, a
    new ISRC or audio would change what the takedown holds back. The row is held as `encore catalog withdraw` holds
    it, in the same order (the catalogue's version row, then the album's: review24s M1), so a takedown at the same
    moment is seen."""
    hold_for_ingest(session, track.album)


def _on_label(track: Track, label: str) -> bool:
    """Whether the track's release is the label's of this name (`upsert_album` with `label_forced` finds it by key)."""
    held_by = track.album.label
    return held_by is not None and held_by.name_key == identity_key(label)


def _label_kept(*, tagged: str | None, release: str, held_by: Label | None) -> list[str]:
    """Say so when the file's label tag names another label than its release's, which an unforced ingest keeps
    (`upsert_album`: a release never moves to another label by one more file; review25m F5)."""
    if not tagged or held_by is None or held_by.name_key == identity_key(tagged):
        return []
    if reason := look_alike_reason(tagged, held_by.name):  # `upsert_label` filed it so: its statement holds it
        return [
            f"tag {tagged!r} filed under label {held_by.name!r}: it reads as that label ({reason}), so it is no label"
            " of its own."
        ]
    return [
        f"The file's label tag says {tagged!r}, but its release {release!r} is {held_by.name!r}'s: the release keeps"
        " its label (an ingest never moves a release to another label)."
    ]


def _dropped_claims(*, upc: tuple[str | None, str | None], isrc: tuple[str | None, str | None]) -> list[str]:
    """Say which of the file's codes (tagged, kept) were left out because another label's release or recording
    carries them: the uploader learns it now, not when retyping the code in the release form."""
    said = []
    if upc[0] and upc[1] != upc[0]:
        said.append(f"The file's UPC {upc[0]} belongs to another label's release: it was left out.")
    if isrc[0] and isrc[1] != isrc[0]:
        said.append(f"The file's ISRC {isrc[0]} belongs to another label's recording: it was left out.")
    return said


def _save_lyrics(session: Session, result: Analyzed, *, track_id: int, duration_ms: int) -> list[str]:
    """Lyrics the worker found, checked against the track's real length; a refusal is only a warning."""
    found = result.lyrics
    if found is None or found.lyrics is None or found.source is None:
        return []
    try:
        lyrics.check_fits(found.lyrics, duration_ms=duration_ms)
    except lyrics.LyricsRejected as exc:
        return [f"lyrics not used: {exc.message}"]
    lyrics.offer_lyrics(session, track_id=track_id, lyrics=found.lyrics, source=found.source)
    return []


def _record(
    session: Session, source: SourceFile | None, result: Analyzed, track_id: int, *, status: str, label: str | None
) -> None:
    job = result.job
    if source is None:
        source = SourceFile(path=job.path, size=job.size, mtime_ns=job.mtime_ns, status=status)
        session.add(source)
    source.size, source.mtime_ns, source.status, source.error = job.size, job.mtime_ns, status, None
    source.audio_hash, source.track_id, source.label_name = result.audio_hash, track_id, label
    session.flush()
