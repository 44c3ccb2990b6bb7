"""Uploads by admins and label accounts, through the same ingest pipeline as `encore ingest`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from encore import ads, history
from encore.accounts import Role, User
from encore.catalog import label_name_for
from encore.kernel import NotFound, PermissionDenied
from encore.web._deps import Db, container
from encore.web._upload_body import UploadBody, ingest_form
from encore.web._upload_gate import UploadUser

router = APIRouter(prefix="/api", tags=["ingest"])


def _uploader(user: UploadUser) -> User:
    """Checked before the body is read (dependencies run in order; `UploadBody` comes after)."""
    if user.role not in (Role.ADMIN.value, Role.LABEL.value):
        raise PermissionDenied("only admins and label accounts may upload", code="upload_forbidden")
    return user


Uploader = Annotated[User, Depends(_uploader)]


def _spot_uploader(user: UploadUser) -> User:
    """Before the body is read; non-admins learn nothing about admin routes (`admin_user`'s answer)."""
    if user.role != Role.ADMIN.value:
        raise NotFound("not found")
    return user


@router.post("/uploads", status_code=200)
def upload(request: Request, user: Uploader, body: UploadBody, session: Db) -> dict[str, object]:
    """Multipart: `file` (an audio file; content decides the format), `lyrics` (an optional .lrc), `label`
    (admins only)."""
    label = body.label
    if user.role == Role.LABEL.value:
        # A label uploads into its own catalogue, whatever the form says.
        label = label_name_for(session, label_id=user.label_id)
        if label is None:
            raise PermissionDenied("this label account has no label", code="no_label")
    draft = user.role == Role.LABEL.value  # a label's upload waits as a draft until it publishes it
    summary, answer = ingest_form(request, user, body, label=label, audit_label=label, draft=draft)
    if summary.imported and not draft:  # listens kept by text may be of these tracks
        history.submit_match(session, jobs=container(request).jobs)
    return {**answer, "track_ids": summary.track_ids}


@router.post("/admin/ad-spots", status_code=200)
def upload_spot(
    request: Request, user: Annotated[User, Depends(_spot_uploader)], body: UploadBody
) -> dict[str, object]:
    """Multipart: `file`, an advertiser's spot. Saved as ad audio from the start (`ads.mark_spot`): never listed,
    so a campaign form that then fails leaves no song behind. The same audio again answers the same spot; audio
    already listed as music fails with `ads.ALREADY_MUSIC`. Its track id goes to `POST /api/admin/ad-campaigns`."""
    summary, answer = ingest_form(request, user, body, label=None, audit_label=None, draft=False, as_ad=ads.mark_spot)
    return {**answer, "track_ids": summary.track_ids}
