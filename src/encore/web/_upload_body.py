"""The upload routes' multipart body, parsed only once the uploader is known (#15, hole 3).

A `File(...)` parameter makes FastAPI spool the whole form before any dependency runs, so a 100 MB
upload was written to disk before the 401. Declared after the user's dependency, this one reads the
form only for an authenticated caller; the size cap itself is enforced while the bytes arrive
(`_body_limit`).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from encore.kernel import ValidationFailed

MAX_LABEL_FIELD = 200


@dataclass(frozen=True)
class UploadForm:
    file: UploadFile
    label: str | None
    lyrics: UploadFile | None = None  # an optional .lrc sidecar for the audio (label uploads)


async def upload_form(request: Request) -> AsyncIterator[UploadForm]:
    async with request.form(max_files=2, max_fields=4, max_part_size=64 * 1024) as form:
        file: Any = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailed("send the audio as a multipart field named 'file'", code="no_file")
        label = form.get("label")
        if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_FIELD):
            raise ValidationFailed(f"label: at most {MAX_LABEL_FIELD} characters", code="invalid")
        lyrics: Any = form.get("lyrics")
        yield UploadForm(file, label or None, lyrics if isinstance(lyrics, UploadFile) else None)


UploadBody = Annotated[UploadForm, Depends(upload_form)]
