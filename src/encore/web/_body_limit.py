"""Request bodies are bounded per route class before anything parses them (#15, hole 3).

A 200 MB JSON body to the login route used to be read whole before validation refused it. This
pure-ASGI layer decides a limit from the path alone, refuses a larger Content-Length without reading
a byte, and counts a chunked body as it arrives, cutting it off at the limit. Uploads get the upload
cap here; that they are read only after authentication is the upload routes' job (they parse the
form in a dependency that runs after the user's).
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException

from encore.web._security import ASGIApp, Message, Receive, Scope, Send
from encore.web.subsonic._envelope import SubsonicError, envelope, render

KIB = 1024
MIB = 1024 * KIB
AUTH_LIMIT = 64 * KIB  # credentials, tokens, consent forms
JSON_LIMIT = 1 * MIB  # every other JSON or form body
MULTIPART_SLACK = 1 * MIB  # boundaries and part headers around an upload's file
_UPLOADS = re.compile(r"^/api/(uploads|label/[^/]+/uploads)/?$")
_COVERS = re.compile(r"^/api/label/[^/]+/(releases/[^/]+/cover|exclusives/[^/]+/images)$")
COVER_LIMIT = 16 * MIB + MULTIPART_SLACK  # ingest's cover cap (a release cover, a gallery exclusive's image)
_AUTH = re.compile(r"^/(api/auth/|api/token$|authorize$)")


@dataclass(frozen=True)
class BodyRule:
    kind: str
    limit: int


def body_rule(path: str, *, upload_cap: int, import_cap: int, listens_cap: int) -> BodyRule:
    """Which class a path's body belongs to, and its limit. Pure: the table is tested alone."""
    if _UPLOADS.match(path):
        return BodyRule("upload", upload_cap + MULTIPART_SLACK)
    if _COVERS.match(path):
        return BodyRule("upload", COVER_LIMIT)
    if path == "/api/me/history/import":
        return BodyRule("import", import_cap + 1)  # the route refuses past its cap in its own words
    if _AUTH.match(path):
        return BodyRule("auth", AUTH_LIMIT)
    if path.startswith("/1/"):
        return BodyRule("listens", listens_cap + MULTIPART_SLACK)  # ListenBrainz answers up to here itself
    return BodyRule("json", JSON_LIMIT)


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"


def _message(limit: int) -> str:
    return f"request body too large: at most {_size(limit)} here"


def _query_param(scope: Scope, name: str) -> str | None:
    raw: bytes = scope.get("query_string", b"")
    values = parse_qs(raw.decode("latin-1")).get(name)
    return values[0] if values else None


def too_large_response(scope: Scope, limit: int) -> tuple[int, bytes, bytes]:
    """(status, content type, body) of the refusal in the shape of the face the path belongs to: 413,
    except ListenBrainz, which answers an oversized document with 400 and clients expect that."""
    path, message = scope["path"], _message(limit)
    if path.startswith("/rest/"):
        fmt = (_query_param(scope, "f") or "xml").lower()
        response = render(envelope(None, error=SubsonicError(0, message)), fmt=fmt, callback=None, status=413)
        return 413, response.headers["content-type"].encode(), bytes(response.body)
    if path.startswith("/v1/"):
        body: object = {"error": {"status": 413, "message": message}}
    elif path in ("/api/token", "/authorize"):
        body = {"error": "invalid_request", "error_description": message}
    elif path.startswith("/1/"):
        said = f"JSON document is too large. A request may be at most {_size(limit)} here."  # ListenBrainz's words
        return 400, b"application/json", json.dumps({"code": 400, "error": said}).encode()
    else:
        body = {"error": {"code": "body_too_large", "message": message}}
    return 413, b"application/json", json.dumps(body).encode()


@dataclass
class _Count:
    received: int = 0
    over: bool = False
    started: bool = False


class BodyLimit:
    def __init__(self, app: ASGIApp, *, upload_cap: int, import_cap: int, listens_cap: int) -> None:
        self.app = app
        self.caps = {"upload_cap": upload_cap, "import_cap": import_cap, "listens_cap": listens_cap}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_rule(scope["path"], **self.caps).limit
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        count = _Count()

        async def counted() -> Message:
            if count.over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                count.received += len(message.get("body", b""))
                if count.received > limit:
                    count.over = True
                    # An HTTPException passes through every face's handlers without a stack trace in
                    # the log; whatever response they make of it is dropped for the one below.
                    raise HTTPException(413)
            return message

        async def guarded_send(message: Message) -> None:
            if count.over:
                return
            count.started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not count.over:
                raise
        if count.over and not count.started:
            await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        status, content_type, body = too_large_response(scope, limit)
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        headers.append((b"connection", b"close"))  # the rest of the body is not read
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
