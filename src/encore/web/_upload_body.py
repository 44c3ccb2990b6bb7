"""The upload routes' multipart body, parsed only once the uploader is known (#15, hole 3).

A `File(...)` parameter makes FastAPI spool the whole form before any dependency runs, so a 100 MB
upload was written to disk before the 401. This dependency reads the form only for an authenticated
caller (`UploadUser`, checked without holding a database connection while the body arrives), in one of
the account's upload slots (`_upload_gate`); the size cap and the pace are enforced while the bytes
arrive (`_body_limit`). A route declares its `Db` after it.
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from encore.accounts import User
from encore.audit import kinds
from encore.ingest import IngestSummary, SpotMarker, ingest_upload, seen_by_label
from encore.kernel import ValidationFailed
from encore.web._audit import note_apart
from encore.web._deps import container
from encore.web._upload_gate import UploadUser, receiving

MAX_LABEL_FIELD = 200


@dataclass(frozen=True)
class UploadForm:
    file: UploadFile
    label: str | None
    lyrics: UploadFile | None = None  # an optional .lrc sidecar for the audio (label uploads)


# python-multipart's own bound on one part's header lines (DEFAULT_MAX_HEADER_SIZE, 4,096 + 128 bytes): a file name
# longer than ~4 KB does not fit. Not Encore's limit, but Encore says it (probe18: "Invalid multipart data.").
PART_HEADERS_KB = 4


def _unreadable(exc: HTTPException) -> ValidationFailed:
    cause: BaseException | None = exc
    while cause is not None:
        if "header size" in str(cause).lower():
            return ValidationFailed(
                f"The file's name is too long: a part's headers, its file name among them, can be at most"
                f" {PART_HEADERS_KB} KB. Rename the file and send it again.",
                code="file_name_too_long",
            )
        cause = cause.__cause__ or cause.__context__  # Starlette raises its 400 inside the handler, not from
    return ValidationFailed(str(exc.detail), code="invalid_multipart")


async def _form(request: Request) -> FormData:
    try:
        return await request.form(max_files=2, max_fields=4, max_part_size=64 * 1024)
    except HTTPException as exc:  # Starlette's 400 for a form it could not read
        raise _unreadable(exc) from exc
    except UnicodeError:  # a field Starlette's parse could not read in the form's charset (punycode, idna,
        # undefined: their decoders raise more than the UnicodeDecodeError it catches; review27a M3 was a 500)
        said = "a field of the form is not text in the charset its Content-Type names: send UTF-8 (or name no charset)"
        raise ValidationFailed(said, code="invalid_multipart") from None


def _form_of(noun: str) -> Callable[[Request, User], AsyncIterator[UploadForm]]:
    """The form dependency for uploads of `noun` (what its "no file" answer asks for)."""

    async def upload_form(request: Request, user: UploadUser) -> AsyncIterator[UploadForm]:
        form: FormData | None = None
        try:
            async with receiving(request, user) as body:  # the slot is freed before the form is looked at
                form = await _form(body)
            file: Any = form.get("file")
            if not isinstance(file, UploadFile):
                raise ValidationFailed(f"send the {noun} as a multipart field named 'file'", code="no_file")
            label = form.get("label")
            if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_FIELD):
                raise ValidationFailed(f"label: at most {MAX_LABEL_FIELD} characters", code="invalid")
            lyrics: Any = form.get("lyrics")
            yield UploadForm(file, label or None, lyrics if isinstance(lyrics, UploadFile) else None)
        finally:
            if form is not None:  # closed whatever became of it: its parts are spooled to temporary files
                await form.close()

    return upload_form


UploadBody = Annotated[UploadForm, Depends(_form_of("audio"))]
# a cover or a gallery image: the route checks what it goes to in a dependency declared before this one
PictureBody = Annotated[UploadForm, Depends(_form_of("picture"))]


def ingest_form(
    request: Request,
    user: User,
    body: UploadForm,
    *,
    label: str | None,
    audit_label: object,
    draft: bool,
    as_ad: SpotMarker | None = None,
) -> tuple[IngestSummary, dict[str, object]]:
    """The one way an uploaded form reaches ingest, for every upload route: the audio with its optional .lrc
    sidecar, the size cap, the audit event. Returns the summary and the answer's common fields. A label's upload
    (`draft`) is answered and audited as a label may be told it: a recording already on a release not of the
    label is a failure with that reason, and that track's id is not named (review20 F2)."""
    c = container(request)
    summary = ingest_upload(
        data=body.file.file,
        original_name=body.file.filename or "",
        sessions=c.sessions,
        store=c.store,
        label_override=label,
        max_bytes=c.settings.max_upload_bytes,
        draft=draft,
        lyrics=body.lyrics.file if body.lyrics is not None else None,
        as_ad=as_ad,
    )
    if draft:
        summary = seen_by_label(summary)
    note_apart(
        request,
        kinds.LABEL_UPLOAD,
        actor=user,
        label=audit_label,
        file=(body.file.filename or "")[:200],
        imported=summary.imported,
        updated=summary.updated,
        failed=len(summary.failed) + len(summary.taken_down),
        track_ids=summary.track_ids[:50],
    )
    answer: dict[str, object] = {
        "imported": summary.imported,
        "updated": summary.updated,
        "duplicates": summary.duplicates,
        "failed": [{"file": name, "reason": reason} for name, reason in (*summary.failed, *summary.taken_down)],
        "warnings": [reason for _, reason in summary.warnings],
    }
    return summary, answer
