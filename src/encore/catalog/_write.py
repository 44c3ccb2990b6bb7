"""The catalogue's write side, used by ingest: find-or-create by identity keys, never commit."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from encore.catalog._hold import hold_for_ingest
from encore.catalog._label_names import label_name_refusal, look_alike_reason
from encore.catalog._listing import keep_as_ad
from encore.catalog._models import (
    Album,
    AlbumArtist,
    AlbumGenre,
    Artist,
    ArtistRole,
    Genre,
    Label,
    LabelKind,
    ReleaseStatus,
    Rendition,
    Track,
    TrackArtist,
    TrackGenre,
)
from encore.catalog._search_index import index_entity, unindex_entity
from encore.catalog._text import identity_key, sort_name, upc_spellings
from encore.catalog._version import catalogue_changed
from encore.db import lock_space, write_lock
from encore.kernel import Conflict, ValidationFailed


@dataclass(frozen=True)
class AlbumFacts:
    title: str
    artists: list[str]
    album_type: str
    release_date: date | None
    upc: str | None
    label: str | None
    label_kind: str | None
    genres: list[str]


@dataclass(frozen=True)
class TrackFacts:
    title: str
    artists: list[str]
    featured: list[str]
    duration_ms: int
    disc_number: int
    track_number: int
    explicit: bool
    isrc: str | None
    genres: list[str]
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    gain_db: float | None  # None: keep the stored loudness (tags-only update)


@dataclass(frozen=True)
class RenditionFacts:
    kind: str
    media_path: str
    codec: str
    bitrate: int
    sample_rate: int
    channels: int
    size: int
    sha256: str


def _hold_new(session: Session, kind: str, key: str) -> None:
    """About to create the `kind` named `key`, found missing: be the only transaction creating it, until this
    one ends, and look again after. Two ingests making the same new artist at once each found it missing, and
    the later insert failed on the unique key (its job failed, and was retried)."""
    catalogue_changed(session)  # the catalogue's lock order: its version row first (see catalog._version)
    write_lock(session, f"new {kind}", lock_space(key))


def upsert_label(session: Session, *, name: str, kind: str | None, refuse_look_alike: bool = False) -> Label:
    """The label of this name (given stripped); `kind` applies only when it is created here. A name the rule of
    shown names refuses (`label_name_refusal`) makes no new label (ValidationFailed `bad_label`). A new name that
    reads as an existing label's by look-alike letters (`look_alike_reason`: "Universal Sound Gr\u043eup" with a
    Cyrillic "\u043e") is that label: a file's tag means the label it looks like, and a second label that passes
    for the first would split its releases and its statements (review31a L3). Or, `refuse_look_alike` (an operator
    naming a new label, `encore ingest --label`), refused (Conflict `label_look_alike`) saying which label it reads
    as: they may have meant it, or must choose a name that reads as a label of its own. Labels made before stay as
    they are."""
    key = identity_key(name)
    # a NUL or a lone surrogate is in no stored key (no database takes either): refused below, unread
    storable = not any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in name)
    label = session.scalar(select(Label).where(Label.name_key == key)) if storable else None
    if label is None and (refused := label_name_refusal(name)) is not None:  # only a new one: old names stay
        raise ValidationFailed(refused, code="bad_label")
    if label is None:
        _hold_new(session, "label", key)
        label = session.scalar(select(Label).where(Label.name_key == key))
    if label is None and (read_as := _label_read_as(session, name)) is not None:
        label, why = read_as
        if refuse_look_alike:
            raise Conflict(
                f"{name!r} reads as the existing label {label.name!r} ({why}): name that label, or choose a name"
                " that reads as a label of its own.",
                code="label_look_alike",
            )
    if label is None:
        label = Label(name=name, name_key=key, kind=kind or LabelKind.INDIE.value)
        session.add(label)
        session.flush()
    # An existing label's kind (major or indie: what royalties and ad rules follow) is never changed by a
    # file's tags; only an admin changes it (#15: an upload tag could flip a label).
    return label


def _tagged_label(session: Session, facts: AlbumFacts, *, forced: bool) -> Label | None:
    """The label a file's tag names (`upsert_label`), or None when no new label may be named so (nothing visible, a
    tower of accents, too long): the file keeps the rest of what it says. A label named for the whole run
    (`forced`: `encore ingest --label`, a label's upload) is refused instead: filing the files under no label is not
    what was asked, nor under another label its name reads as (review31c M1: an operator typed it, and may be told).
    A tag that reads as an existing label is filed under it; the ingest says so (`ingest._commit`)."""
    try:
        return upsert_label(session, name=facts.label or "", kind=facts.label_kind, refuse_look_alike=forced)
    except ValidationFailed:
        if forced:
            raise
        return None


def _label_read_as(session: Session, name: str) -> tuple[Label, str] | None:
    """The oldest label whose name reads as `name`, and why (`look_alike_reason`), or None. Every label's name is
    read: a new label is rare (an operator's, or the first file of a label), a catalogue holds hundreds or thousands
    of them, and each name's reading is kept by the process (~50 us to read one, then 10,000 compared in ~1.5 ms)."""
    for label_id, other in session.execute(select(Label.id, Label.name).order_by(Label.id)):
        if (why := look_alike_reason(name, other)) is not None:
            return session.get_one(Label, label_id), why
    return None


def upsert_artist(session: Session, *, name: str) -> Artist:
    key = identity_key(name)
    artist = session.scalar(select(Artist).where(Artist.name_key == key))
    if artist is None:
        _hold_new(session, "artist", key)
        artist = session.scalar(select(Artist).where(Artist.name_key == key))
    if artist is None:
        artist = Artist(name=name, name_key=key, sort_name=sort_name(name))
        session.add(artist)
        session.flush()
        index_entity(session, kind="artist", entity_id=artist.id, name=name)
    return artist


def upsert_artists(session: Session, *, names: list[str]) -> list[Artist]:
    """The artists these names are, in order, each once. Two spellings of one name (case, accents, spacing:
    `identity_key`) are one artist, found by the first; deduping the names as typed credited it twice, and the
    second credit broke the credits' unique key (probe25a M3: a 500 on the release form, SQL in an upload's
    failure)."""
    found: dict[int, Artist] = {}
    for name in names:
        artist = upsert_artist(session, name=name)
        found.setdefault(artist.id, artist)
    return list(found.values())


def upsert_genre(session: Session, *, name: str) -> Genre:
    key = identity_key(name)[:100]
    genre = session.scalar(select(Genre).where(Genre.key == key))
    if genre is None:
        _hold_new(session, "genre", key)
        genre = session.scalar(select(Genre).where(Genre.key == key))
    if genre is None:
        genre = Genre(name=name[:100], key=key)
        session.add(genre)
        session.flush()
    return genre


def refuse_another_labels_artist(session: Session, *, name: str, label_id: int) -> None:
    """A label's upload may not credit an artist whose releases are all another label's (#15): that
    would make the artist "theirs" too, and let them attach Premium exclusives to someone else's act."""
    artist = session.scalar(select(Artist.id).where(Artist.name_key == identity_key(name)))
    if artist is None:
        return
    labels = set(
        session.scalars(
            select(Album.label_id)
            .join(AlbumArtist, AlbumArtist.album_id == Album.id)
            .where(AlbumArtist.artist_id == artist)
        )
    )
    others = labels - {label_id, None}
    if others and label_id not in labels:
        raise Conflict(
            f"the artist {name!r} is another label's; ask an admin to credit them", code="artist_of_another_label"
        )


def upsert_album(
    session: Session,
    *,
    facts: AlbumFacts,
    label_forced: bool = False,
    draft: bool = False,
    ad: bool = False,
) -> Album:
    """The album these facts name, created or updated.

    `label_forced` (a label's upload, or an ingest run for one label): the release may only join an album
    of that same label. Another label's album (or an unlabelled one) with the same artist and title is
    never touched: the upload gets an album of its own, so no label can move a release out of another's
    catalogue, nor its royalties, by uploading a file with the same tags.

    Unforced (an operator's ingest or upload: `facts.label` is the file's tag), an existing album's label is never
    changed: one more file tagged with another label's name moved the whole release, and every stream of it in the
    open months, to that name (review25m F5). The file joins the release as it is (the caller warns,
    `ingest._commit`), and no label is made from its tag. An album with no label takes the tag's.

    `ad` (an advertiser's spot, made ad audio in the same transaction): music and ads never share a release. A
    song tagged with a spot's album name joined the spot's release, which is unlisted, and vanished with it; a
    spot tagged with a song's album was refused (`ad_in_music_release`). The file whose kind differs from the
    release of its name gets the release of that name and its own kind instead, and keeps it when the other kind's
    release is gone: the next file of that name and kind joins it rather than starting a second release of the name
    under the plain key (review29a L1).

    The file's art is offered apart (`catalog.offer_file_art`): a label's chosen cover is not a file's to replace.
    """
    lead = facts.artists[0] if facts.artists else ""
    key = identity_key(lead, facts.title)
    album = session.scalar(select(Album).where(Album.album_key == key))
    # the release of the file's kind first: the label rules below read the release the file would join (review29c M1)
    album, key = _of_kind(session, album=album, key=key, lead=lead, title=facts.title, ad=ad)
    keeps_label = not (label_forced or draft) and album is not None and album.label_id is not None
    label = _tagged_label(session, facts, forced=label_forced) if facts.label and not keeps_label else None
    if label_forced and label is not None and album is not None and album.label_id != label.id:
        parts = (f"label {label.id}",)
        key = identity_key(lead, facts.title, *parts)
        album = session.scalar(select(Album).where(Album.album_key == key))
        album, key = _of_kind(session, album=album, key=key, lead=lead, title=facts.title, ad=ad, parts=parts)
    if draft:  # a label's upload joins only its own draft of that name, never a listed release
        album, key = _open_draft(session, lead=lead, title=facts.title, label_id=label.id if label else 0)
    if album is not None:  # its row held, then read again: a takedown at this moment is seen (review24s H1)
        hold_for_ingest(session, album)
    if album is None:
        _hold_new(session, "album", key)
        album = session.scalar(select(Album).where(Album.album_key == key))
    if album is None:
        album = Album(title=facts.title, album_key=key)
        album.status = ReleaseStatus.DRAFT.value if draft else ReleaseStatus.PUBLISHED.value
        session.add(album)
    album.album_type, album.release_date = facts.album_type, facts.release_date or album.release_date
    album.label_id = label.id if label else album.label_id
    session.flush()
    # A UPC names one release: a file claiming another label's (its buy links, its /v1 external ids) keeps none.
    if facts.upc and not upc_of_another_label(session, upc=facts.upc, label_id=album.label_id, album_id=album.id):
        album.upc = facts.upc
    if label_forced and label is not None:
        for name in facts.artists:
            refuse_another_labels_artist(session, name=name, label_id=label.id)
    wanted = upsert_artists(session, names=facts.artists)
    if [a.artist_id for a in album.artists] != [a.id for a in wanted]:
        album.artists.clear()
        session.flush()
        album.artists.extend(AlbumArtist(artist_id=a.id, position=i) for i, a in enumerate(wanted))
    for genre in (upsert_genre(session, name=g) for g in facts.genres):
        if session.get(AlbumGenre, (album.id, genre.id)) is None:
            session.add(AlbumGenre(album_id=album.id, genre_id=genre.id))
    session.flush()
    _index_album(session, album, facts)
    return album


def _of_kind(
    session: Session, *, album: Album | None, key: str, lead: str, title: str, ad: bool, parts: tuple[str, ...] = ()
) -> tuple[Album | None, str]:
    """The release (or None: to make) and key a file of this kind joins, given the one its name found: that one if
    it is of the file's kind, else the name's release of that kind filed apart, which a file also joins when the
    name found none (the other kind's release gone since: review29a L1). `parts`: the key's own (a label's)."""
    if album is not None and album.is_ad == ad:
        return album, key
    kind_key = identity_key(lead, title, *parts, "ad" if ad else "music")
    kind_album = session.scalar(select(Album).where(Album.album_key == kind_key))
    if album is None and kind_album is None:
        return None, key
    return kind_album, kind_key


def _index_album(session: Session, album: Album, facts: AlbumFacts) -> None:
    if not album.is_ad:  # an ad release is never searchable (`catalog.unlist_ad`)
        index_entity(session, kind="album", entity_id=album.id, name=album.title, context=" ".join(facts.artists))


def _open_draft(session: Session, *, lead: str, title: str, label_id: int) -> tuple[Album | None, str]:
    """The label's open draft of this name, which an upload joins (None: a new one is made), and its key.

    The key of a name's draft is the draft's while it is one: a release published (or withdrawn) since gives it up
    here, so the next files of that name all find the one new draft. Each file made a draft of its own before,
    under a random key (session 23: a two-disc release's two untagged files, "Unknown Album" like an untagged
    release published earlier, split over two drafts). Read under the catalogue's lock (its version row first,
    as a publish or a delete of the draft takes it), so such a change at the same moment is seen, not joined."""
    key = identity_key(lead, title, f"label {label_id}", "draft")
    catalogue_changed(session)
    held = session.scalar(select(Album).where(Album.album_key == key).execution_options(populate_existing=True))
    if held is None or held.status == ReleaseStatus.DRAFT.value:
        return held, key
    held.album_key = identity_key("released draft", held.public_id)  # unique, and found by no name
    session.flush()
    return None, key


def hold_isrc(session: Session, isrc: str) -> None:
    """Be the only transaction deciding who carries this ISRC, until it ends. There is no unique index (one label
    may carry its own ISRC on several tracks), so two labels setting the same one at once each found it free."""
    catalogue_changed(session)  # the catalogue's lock order: its version row first (see catalog._version)
    write_lock(session, "isrc", lock_space(isrc))


def _hold_upc(session: Session, upc: str) -> None:
    """As `hold_isrc`, for one barcode in all its spellings (`upc_spellings`: one number, leading zeros aside)."""
    number = upc.lstrip("0") if upc.isascii() and upc.isdigit() else upc
    catalogue_changed(session)  # the catalogue's lock order: its version row first (see catalog._version)
    write_lock(session, "upc", lock_space(number))


def upc_of_another_label(session: Session, *, upc: str, label_id: int | None, album_id: int | None) -> bool:
    """Does an album of another label (not `album_id`) already carry this UPC, in any of its spellings (a leading
    zero more or less is the same barcode)? The barcode is held for this transaction first (`hold_isrc`), so
    the answer stays true until the caller's write is committed."""
    _hold_upc(session, upc)
    query = select(Album.id).where(
        Album.upc.in_(upc_spellings(upc)), Album.label_id.is_not(None), Album.label_id != label_id
    )
    if album_id is not None:
        query = query.where(Album.id != album_id)
    return session.scalar(query.limit(1)) is not None


def isrc_of_another_label(session: Session, *, isrc: str, label_id: int | None, track_id: int | None) -> bool:
    """Does a track of another label (not `track_id`) already carry this ISRC? Held first, as `upc_of_another_label`."""
    hold_isrc(session, isrc)
    query = (
        select(Track.id)
        .join(Album, Album.id == Track.album_id)
        .where(Track.isrc == isrc, Album.label_id.is_not(None), Album.label_id != label_id)
    )
    if track_id is not None:
        query = query.where(Track.id != track_id)
    return session.scalar(query.limit(1)) is not None


def save_track(session: Session, *, track: Track | None, audio_hash: str, album: Album, facts: TrackFacts) -> Track:
    if track is None:
        track = Track(audio_hash=audio_hash, album_id=album.id, title=facts.title, duration_ms=facts.duration_ms)
        session.add(track)
    track.audio_hash, track.album_id, track.title = audio_hash, album.id, facts.title
    track.duration_ms, track.disc_number, track.track_number = facts.duration_ms, facts.disc_number, facts.track_number
    # An ISRC names one recording: a file claiming another label's (to capture its matched listens) keeps none.
    claimed = facts.isrc and isrc_of_another_label(session, isrc=facts.isrc, label_id=album.label_id, track_id=track.id)
    track.explicit, track.isrc = facts.explicit, None if claimed else facts.isrc
    if facts.gain_db is not None:
        track.loudness_lufs, track.true_peak_dbtp, track.gain_db = (
            facts.loudness_lufs,
            facts.true_peak_dbtp,
            facts.gain_db,
        )
    session.flush()
    _set_track_artists(session, track, facts)
    session.execute(delete(TrackGenre).where(TrackGenre.track_id == track.id))
    for genre_id in dict.fromkeys(upsert_genre(session, name=g).id for g in facts.genres):
        session.add(TrackGenre(track_id=track.id, genre_id=genre_id))
    if track.is_ad:  # a spot saved again (new tags): it stays ad audio, its release with it, out of search
        keep_as_ad(session, track=track)  # or refused, as a spot filed into a music release is (review28a L1)
        return track
    names = " ".join([*facts.artists, *facts.featured, album.title])
    index_entity(session, kind="track", entity_id=track.id, name=facts.title, context=names)
    return track


def _set_track_artists(session: Session, track: Track, facts: TrackFacts) -> None:
    roles = {a.id: ArtistRole.PRIMARY.value for a in upsert_artists(session, names=facts.artists)}
    for artist in upsert_artists(session, names=facts.featured):
        roles.setdefault(artist.id, ArtistRole.FEATURED.value)  # a primary artist also named as featured: primary
    wanted = list(roles.items())
    if [(a.artist_id, a.role) for a in track.artists] != wanted:
        track.artists.clear()
        session.flush()
        track.artists.extend(TrackArtist(artist_id=a, position=i, role=r) for i, (a, r) in enumerate(wanted))
        session.flush()


def replace_renditions(session: Session, *, track: Track, renditions: list[RenditionFacts]) -> list[str]:
    """Point the track at new files; returns the media paths no longer used (to delete after commit)."""
    old = {r.kind: r for r in session.scalars(select(Rendition).where(Rendition.track_id == track.id))}
    stale: list[str] = []
    for facts in renditions:
        row = old.get(facts.kind)
        if row is None:
            row = Rendition(track_id=track.id, kind=facts.kind)
            session.add(row)
        elif row.media_path != facts.media_path:
            stale.append(row.media_path)
        for name in ("media_path", "codec", "bitrate", "sample_rate", "channels", "size", "sha256"):
            setattr(row, name, getattr(facts, name))
    session.flush()
    return stale


def drop_empty_albums(session: Session, *, album_ids: set[int]) -> None:
    """Delete those of these albums that hold no track, never one taken down: its row is the takedown's record
    (`taken_down_from`), which refuses the label's publish of its codes (encore.labels)."""
    for album_id in album_ids:
        if not session.scalar(select(func.count()).select_from(Track).where(Track.album_id == album_id)):
            gone = session.execute(delete(Album).where(Album.id == album_id, Album.taken_down_from.is_(None)))
            if gone.rowcount:  # type: ignore[attr-defined]
                unindex_entity(session, kind="album", entity_id=album_id)
