"""Uploads by admins and label accounts, through the same ingest pipeline as `encore ingest`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from encore.accounts import Role, User
from encore.audit import kinds
from encore.catalog import label_name_for
from encore.ingest import ingest_upload
from encore.kernel import PermissionDenied
from encore.web._audit import note_apart
from encore.web._deps import CurrentUser, Db, container
from encore.web._upload_body import UploadBody

router = APIRouter(prefix="/api", tags=["ingest"])


def _uploader(user: CurrentUser) -> User:
    """Checked before the body is read (dependencies run in order; `UploadBody` comes after)."""
    if user.role not in (Role.ADMIN.value, Role.LABEL.value):
        raise PermissionDenied("only admins and label accounts may upload", code="upload_forbidden")
    return user


Uploader = Annotated[User, Depends(_uploader)]


@router.post("/uploads", status_code=200)
def upload(request: Request, session: Db, user: Uploader, body: UploadBody) -> dict[str, object]:
    """Multipart: `file` (an audio file; content decides the format), `label` (admins only)."""
    label = body.label
    if user.role == Role.LABEL.value:
        # A label uploads into its own catalogue, whatever the form says.
        label = label_name_for(session, label_id=user.label_id)
        if label is None:
            raise PermissionDenied("this label account has no label", code="no_label")
    c = container(request)
    summary = ingest_upload(
        data=body.file.file,
        original_name=body.file.filename or "",
        sessions=c.sessions,
        store=c.store,
        label_override=label,
        max_bytes=c.settings.max_upload_bytes,
        draft=user.role == Role.LABEL.value,  # a label's upload waits as a draft until it publishes it
    )
    note_apart(
        request,
        kinds.LABEL_UPLOAD,
        actor=user,
        label=label,
        file=(body.file.filename or "")[:200],
        imported=summary.imported,
        updated=summary.updated,
        failed=len(summary.failed),
        track_ids=summary.track_ids[:50],
    )
    return {
        "imported": summary.imported,
        "updated": summary.updated,
        "duplicates": summary.duplicates,
        "failed": [{"file": name, "reason": reason} for name, reason in summary.failed],
        "warnings": [reason for _, reason in summary.warnings],
        "track_ids": summary.track_ids,
    }
