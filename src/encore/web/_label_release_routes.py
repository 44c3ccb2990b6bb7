"""A label's releases from upload to listeners (issue #18): an upload lands as a draft; the form saves
title, artists, release date, track numbers, ISRCs and the cover; publish, withdraw, delete a draft. Scoped like every
label route (`_label_routes._label`: another label's id answers 404), each state change audited."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from encore import history, labels
from encore.audit import kinds
from encore.catalog import Album
from encore.db import transaction
from encore.ingest import MAX_COVER_BYTES, ArtworkRejected, drop_replaced_cover, placed_cover
from encore.kernel import PICTURE_UNREADABLE, inspect_picture
from encore.web._audit import note
from encore.web._deps import CurrentUser, Db, container
from encore.web._label_routes import OwnLabel
from encore.web._label_schemas import AlbumOut, NumbersIn, ReleaseFormIn, album_out
from encore.web._upload_body import PictureBody, UploadBody, ingest_form
from encore.web._upload_gate import UploadLabel, UploadUser

router = APIRouter(prefix="/api", tags=["labels"])


def _out(session: Db, album: Album) -> AlbumOut:
    return album_out(labels.album_item(session, album))


@router.post("/label/{label_id}/uploads")
def label_upload(request: Request, label: UploadLabel, user: UploadUser, body: UploadBody) -> dict[str, object]:
    """Multipart `file`, one audio file of the release (content decides the format), through the same
    ingest pipeline as `encore ingest`; it lands on this label as a draft, listed nowhere until published.
    `releases` names the drafts the files joined, for the form."""
    summary, answer = ingest_form(request, user, body, label=label.name, audit_label=label.id, draft=True)
    with container(request).sessions() as session:
        releases = labels.releases_of_tracks(session, label_id=label.row_id, track_ids=summary.track_ids)
    return {**answer, "releases": releases}


@router.patch("/label/{label_id}/releases/{album_id}")
def save_release(
    *, album_id: str, body: ReleaseFormIn, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    form = labels.ReleaseForm(
        title=body.title,
        artists=body.artists,
        release_date=body.release_date,
        tracks=tuple(labels.TrackForm(t.id, t.title, t.isrc, *t.numbers()) for t in body.tracks),
    )
    today = container(request).clock.now().date()
    album = labels.edit_release(session, label_id=label.row_id, album_id=album_id, form=form, today=today)
    fields = sorted(body.model_dump(exclude_unset=True))
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, album=album_id, fields=fields)
    return _out(session, album)


def _own_album(album_id: str, request: Request, label: UploadLabel) -> str:
    """Another label's album (or none): 404 before a byte of the body is read (review22 F2)."""
    with transaction(container(request).sessions) as session:
        labels.owned_album(session, label_id=label.row_id, album_id=album_id)
    return album_id


OwnAlbumId = Annotated[str, Depends(_own_album)]


@router.put("/label/{label_id}/releases/{album_id}/cover")
def release_cover(
    *, album_id: OwnAlbumId, request: Request, label: UploadLabel, user: UploadUser, body: PictureBody
) -> AlbumOut:
    """Multipart `file`: a JPEG, PNG or WebP of at most 16 MB and 40 megapixels (`kernel.pictures`, the rule
    gallery images follow too), made square like embedded covers. A draft's, or a published or withdrawn
    release's: listeners see the new cover at once."""
    data = body.file.file.read(MAX_COVER_BYTES + 1)
    if len(data) > MAX_COVER_BYTES:
        raise labels.ReleaseInvalid({"cover": f"A cover can be at most {MAX_COVER_BYTES // 2**20} MB."})
    if (refused := inspect_picture(data)) is not None:
        raise labels.ReleaseInvalid({"cover": refused.message})
    c = container(request)
    # the cover's files have no row until the album's commits: the store is held until then, or an ingest run's
    # sweep could delete them in between (review26c L4); so the row is written in a transaction of its own, here,
    # inside `placed_cover` (placed and named under the commit lock: another release's drop of this same picture
    # never finds its files placed and not yet named, fix29c)
    with c.store.writing():
        try:
            with placed_cover(data=data, store=c.store) as key, transaction(c.sessions) as session:
                album, replaced = labels.set_cover(session, label_id=label.row_id, album_id=album_id, artwork_key=key)
                note(  # a published release's cover changes what listeners see: the audit names the status and art
                    request,
                    session,
                    kinds.LABEL_EDIT,
                    actor=user,
                    label=label.id,
                    album=album_id,
                    fields=["cover"],
                    status=album.status,
                    artwork=key,
                )
                out = _out(session, album)
        except ArtworkRejected as exc:  # past its header: truncated or corrupt
            raise labels.ReleaseInvalid({"cover": PICTURE_UNREADABLE}) from exc
        if replaced is not None and replaced != key:  # committed: the old cover's files go now, not at a sweep
            drop_replaced_cover(c.sessions, c.store, key=replaced)
        return out


@router.put("/label/{label_id}/releases/{album_id}/numbers")
def release_numbers(
    *, album_id: str, body: NumbersIn, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    """Track and disc numbers set together, on a published or withdrawn release too (one published before
    publish refused shared numbers is mended here; a swap of two numbers is one request). A sentence next to each
    track whose number is not one, or that would share its place with another track."""
    tracks = tuple(labels.TrackForm(t.id, None, None, t.track_number, t.disc_number) for t in body.tracks)
    album = labels.renumber(session, label_id=label.row_id, album_id=album_id, tracks=tracks)
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, album=album_id, fields=["numbers"])
    return _out(session, album)


@router.post("/label/{label_id}/releases/{album_id}/publish")
def publish_release(album_id: str, request: Request, session: Db, label: OwnLabel, user: CurrentUser) -> AlbumOut:
    now = container(request).clock.now()
    album = labels.publish(session, label_id=label.row_id, album_id=album_id, today=now.date(), now=now)
    note(request, session, kinds.LABEL_PUBLISHED, actor=user, label=label.id, album=album_id)
    history.submit_match(session, jobs=container(request).jobs)  # listens kept by text may be of these tracks
    return _out(session, album)


@router.post("/label/{label_id}/releases/{album_id}/withdraw")
def withdraw_release(album_id: str, request: Request, session: Db, label: OwnLabel, user: CurrentUser) -> AlbumOut:
    now = container(request).clock.now()
    album = labels.withdraw(session, label_id=label.row_id, album_id=album_id, now=now)
    note(request, session, kinds.LABEL_WITHDRAWN, actor=user, label=label.id, album=album_id)
    return _out(session, album)


@router.delete("/label/{label_id}/releases/{album_id}", status_code=204)
def delete_release(
    *, album_id: str, request: Request, session: Db, label: OwnLabel, user: CurrentUser, later: BackgroundTasks
) -> None:
    """A draft and its files: the rows go in this transaction, the files once it committed (a file left by
    a crash in between has no row, and the store's orphan sweep removes it)."""
    paths = labels.delete_draft(session, label_id=label.row_id, album_id=album_id)
    note(request, session, kinds.LABEL_DRAFT_DELETED, actor=user, label=label.id, album=album_id)
    store = container(request).store
    for path in paths:
        later.add_task(store.delete, path)
