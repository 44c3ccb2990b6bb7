"""Request bodies are bounded per route class before anything parses them (#15, hole 3).

A 200 MB JSON body to the login route used to be read whole before validation refused it. This
pure-ASGI layer decides a limit from the path alone, refuses a larger Content-Length without reading
a byte, and counts a chunked body as it arrives, cutting it off at the limit. Uploads get the upload
cap here; that they are read only after authentication is the upload routes' job (they parse the
form in a dependency that runs after the user's). A Subsonic client may ask for its answer's format in a
POSTed form's body (py-sonic sends every parameter there): the refusal reads it from the body's first
FORM_HEAD bytes (`subsonic._asked`), which a declared length over the limit still sends, unless the client
waits for `100 Continue`; nothing past them is read.

uvicorn waits for a body's next bytes for ever, so it also bounds how slowly a body may arrive (`Pace`,
review21 F1): one that sends nothing for the idle timeout, or falls below the minimum rate, is answered 408
and the rest is not read. What the route had received is dropped with it (an upload's temp file, a form's
spooled parts): the client learns the request did nothing and may send it again.
"""

import json
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import anyio
from starlette.exceptions import HTTPException

from encore.web._security import ASGIApp, Message, Receive, Scope, Send
from encore.web.subsonic import SubsonicError, answer_format, asked, error_response, form_kind

KIB = 1024
MIB = 1024 * KIB
AUTH_LIMIT = 64 * KIB  # credentials, tokens, consent forms
JSON_LIMIT = 1 * MIB  # every other JSON or form body
MULTIPART_SLACK = 1 * MIB  # boundaries and part headers around an upload's file
_UPLOADS = re.compile(r"^/api/(uploads|label/[^/]+/uploads|admin/ad-spots)/?$")
_COVERS = re.compile(r"^/api/label/[^/]+/(releases/[^/]+/cover|exclusives/[^/]+/images)$")
COVER_LIMIT = 16 * MIB + MULTIPART_SLACK  # ingest's cover cap (a release cover, a gallery exclusive's image)
_AUTH = re.compile(r"^/(api/auth/|api/token$|authorize$)")
FORM_HEAD = 16 * KIB  # of a refused /rest/ form, searched for f= and callback= (py-sonic's come in the first 200)


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


@dataclass(frozen=True)
class Pace:
    """How slowly a body may arrive: nothing for `idle_s` is a stall, and so is a body that has taken longer
    than `idle_s` plus one second per `min_bytes_per_s` bytes received (Apache mod_reqtimeout's MinRate)."""

    idle_s: float
    min_bytes_per_s: int

    def wait_s(self, *, elapsed_s: float, received: int) -> float:
        """How long to wait for the body's next bytes: pure, tested alone. 0 or less: it has stalled."""
        return min(self.idle_s, self.idle_s + received / self.min_bytes_per_s - elapsed_s)


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"


def _message(limit: int) -> str:
    return f"request body too large: at most {_size(limit)} here"


def stalled_message(pace: Pace) -> str:
    return (
        f"the request body stopped arriving (nothing for {pace.idle_s:g} s, or slower than"
        f" {pace.min_bytes_per_s} bytes a second): nothing was kept; send it again"
    )


def _content_type(scope: Scope) -> str:
    value: bytes = dict(scope.get("headers", [])).get(b"content-type", b"")
    return value.decode("latin-1")


def _subsonic_form(scope: Scope) -> bool:
    """A POSTed form to Subsonic: its body may say which format the refusal answers in."""
    return scope["path"].startswith("/rest/") and scope["method"] == "POST" and bool(form_kind(_content_type(scope)))


def too_large_response(scope: Scope, limit: int, head: bytes = b"") -> tuple[int, bytes, bytes]:
    """(status, content type, body) of the refusal in the shape of the face the path belongs to: 413,
    except ListenBrainz, which answers an oversized document with 400 and clients expect that. `head` is the
    start of a Subsonic form's body, for the format it asks for."""
    if scope["path"].startswith("/1/"):
        said = f"JSON document is too large. A request may be at most {_size(limit)} here."  # ListenBrainz's words
        return 400, b"application/json", json.dumps({"code": 400, "error": said}).encode()
    return refusal(scope, 413, "body_too_large", _message(limit), head)


def refusal(scope: Scope, status: int, code: str, message: str, head: bytes = b"") -> tuple[int, bytes, bytes]:
    """(status, content type, body) of a refused body in the shape of the face the path belongs to."""
    path = scope["path"]
    if path.startswith("/rest/"):
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        params = asked(query, content_type=_content_type(scope), body=head, whole=False)
        error = SubsonicError(0, message, http_status=status)
        response = error_response(error, fmt=answer_format(params), callback=params.get("callback"))
        return status, response.headers["content-type"].encode(), bytes(response.body)
    if path.startswith("/v1/"):
        body: object = {"error": {"status": status, "message": message}}
    elif path in ("/api/token", "/authorize"):
        body = {"error": "invalid_request", "error_description": message}
    elif path.startswith("/1/"):
        body = {"code": status, "error": message}
    else:
        body = {"error": {"code": code, "message": message}}
    return status, b"application/json", json.dumps(body).encode()


@dataclass
class _Count:
    received: int = 0
    over: bool = False
    stalled: bool = False
    ended: bool = False  # the body's last message came: what follows is only the disconnect
    first_read: float | None = None  # when the route first asked for the body (monotonic)
    started: bool = False
    head: bytes = b""  # a Subsonic form's first FORM_HEAD bytes (only those are kept)

    @property
    def refused(self) -> bool:
        return self.over or self.stalled


class _Paced:
    """`receive`, counted, and within the pace's bound: the clock starts at the route's first read (the time the
    server took before asking, for a pooled connection or a thread, is not the client's: review21b F4)."""

    def __init__(self, receive: Receive, pace: Pace | None, count: _Count) -> None:
        self.receive, self.pace, self.count = receive, pace, count

    async def __call__(self) -> Message:
        count = self.count
        if self.pace is None or count.ended:
            message = await self.receive()
        else:
            now = time.monotonic()
            if count.first_read is None:
                count.first_read = now
            wait = self.pace.wait_s(elapsed_s=now - count.first_read, received=count.received)
            try:
                with anyio.fail_after(max(wait, 0.0)):
                    message = await self.receive()
            except TimeoutError:
                count.stalled = True
                raise HTTPException(408) from None  # dropped like the 413; the caller answers
        if message["type"] == "http.request":
            count.ended = not message.get("more_body", False)
            count.received += len(message.get("body", b""))
        return message


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, upload_cap: int, import_cap: int, listens_cap: int, pace: Pace | None = None
    ) -> None:
        self.app = app
        self.caps = {"upload_cap": upload_cap, "import_cap": import_cap, "listens_cap": listens_cap}
        self.pace = pace  # None: wait for a body as long as the client takes (benchmarks' servers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_rule(scope["path"], **self.caps).limit
        headers = dict(scope.get("headers", []))
        declared, keep = headers.get(b"content-length", b""), _subsonic_form(scope)
        count = _Count()
        paced = _Paced(receive, self.pace, count)
        if declared.isdigit() and int(declared) > limit:
            waits = headers.get(b"expect", b"").lower() == b"100-continue"  # it sends nothing unless asked to
            try:  # a Subsonic form's head, for its format: within the same bound as any body (review21b F1)
                head = await _head(paced) if keep and not waits else b""
            except HTTPException:
                await self._stalled(scope, send, b"")
                return
            await self._refuse(scope, send, limit, head)
            return

        async def counted() -> Message:
            if count.refused:
                return {"type": "http.disconnect"}
            message = await paced()
            if message["type"] == "http.request":
                if keep and len(count.head) < FORM_HEAD:
                    count.head += message.get("body", b"")[: FORM_HEAD - len(count.head)]
                if count.received > limit:
                    count.over = True
                    # An HTTPException passes through every face's handlers without a stack trace in
                    # the log; whatever response they make of it is dropped for the one below.
                    raise HTTPException(413)
            return message

        async def guarded_send(message: Message) -> None:
            if count.refused:
                return
            count.started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not count.refused:
                raise
        if count.refused and not count.started:
            if count.stalled:
                await self._stalled(scope, send, count.head)
            else:
                await self._refuse(scope, send, limit, count.head)

    async def _stalled(self, scope: Scope, send: Send, head: bytes) -> None:
        message = stalled_message(self.pace) if self.pace is not None else "the request body stopped arriving"
        await self._send(send, refusal(scope, 408, "body_stalled", message, head))

    @classmethod
    async def _refuse(cls, scope: Scope, send: Send, limit: int, head: bytes = b"") -> None:
        await cls._send(send, too_large_response(scope, limit, head))

    @staticmethod
    async def _send(send: Send, refused: tuple[int, bytes, bytes]) -> None:
        status, content_type, body = refused
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        headers.append((b"connection", b"close"))  # the rest of the body is not read
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _head(receive: _Paced) -> bytes:
    """The body's first FORM_HEAD bytes (or all of it, if shorter); the rest is never read."""
    head = b""
    while len(head) < FORM_HEAD:
        message = await receive()
        if message["type"] != "http.request":
            break
        head += message.get("body", b"")[: FORM_HEAD - len(head)]
        if not message.get("more_body", False):
            break
    return head
