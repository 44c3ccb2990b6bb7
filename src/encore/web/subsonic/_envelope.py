"""The OpenSubsonic envelope in XML (default), JSON and JSONP, and its error codes."""

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from fastapi.responses import Response

API_VERSION = "1.16.1"
SERVER_VERSION = "0.1.0"
XMLNS = "http://subsonic.org/restapi"
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$")

# Error codes from the OpenSubsonic specification.
GENERIC, MISSING_PARAMETER, CLIENT_TOO_OLD, SERVER_TOO_OLD = 0, 10, 20, 30
WRONG_CREDENTIALS, TOKEN_NOT_SUPPORTED, AUTH_NOT_SUPPORTED, CONFLICTING_AUTH, INVALID_API_KEY = 40, 41, 42, 43, 44
NOT_AUTHORIZED, NOT_FOUND = 50, 70

Payload = dict[str, Any]


class SubsonicError(Exception):
    def __init__(self, code: int, message: str, *, http_status: int = 200, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status, self.retry_after = code, message, http_status, retry_after


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# What XML 1.0 cannot carry (its `Char` production): most control characters, lone surrogates, and the
# noncharacters U+FFFE and U+FFFF. Tags, a label's release title or a playlist's name may hold them; one of them
# made a whole list unreadable to every XML client, so they are dropped on the way out.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_clean(text: str) -> str:
    return _NOT_XML.sub("", text)


class Ready:
    """A catalogue item's shape as everyone sees it (no caller's marks in it). Its JSON and its XML element are
    written once and kept with it (the catalogue's views hold it, so it goes when the catalogue changes): a
    page of such items is spliced in, not walked, pruned and serialised per request."""

    __slots__ = ("_json", "_xml", "shape")

    def __init__(self, shape: Payload) -> None:
        self.shape = shape
        self._json: orjson.Fragment | None = None
        self._xml: dict[str, str] = {}

    def json(self) -> orjson.Fragment:
        """Raises TypeError where orjson refuses (the response then takes the standard library's path)."""
        if self._json is None:
            self._json = orjson.Fragment(orjson.dumps(_prune(self.shape)))
        return self._json

    def xml(self, name: str) -> str:
        found = self._xml.get(name)
        if found is None:
            out: list[str] = []
            _element(name, self.shape, out)
            found = self._xml[name] = "".join(out)
        return found


def _element(name: str, node: Mapping[str, Any], out: list[str]) -> None:
    attrs, children, text = [], [], None
    for key, value in node.items():
        if value is None:
            continue
        if key == "value" and not isinstance(value, Mapping | list | Ready):
            text = _scalar(value)
        elif isinstance(value, Mapping | Ready):
            children.append((key, value))
        elif isinstance(value, list):
            children.extend((key, item) for item in value)
        else:
            attrs.append(f" {key}={quoteattr(_xml_clean(_scalar(value)))}")
    out.append(f"<{name}{''.join(attrs)}")
    if not children and text is None:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(escape(_xml_clean(text)))
    for child_name, child in children:
        if isinstance(child, Ready):
            out.append(child.xml(child_name))
        elif isinstance(child, Mapping):
            _element(child_name, child, out)
        else:
            out.append(f"<{child_name}>{escape(_xml_clean(_scalar(child)))}</{child_name}>")
    out.append(f"</{name}>")


_SCALARS = (str, int, float)  # bool is an int
_AS_IS = frozenset({str, int, float, bool, Ready})  # copied without a call: a Ready is pruned when written


def _prune(value: Any) -> Any:
    """Without None values, at any depth. Runs over every value of every response: scalars inside a dict
    or list are copied without a call (a fifth of a list's CPU went to one call per value)."""
    if isinstance(value, _SCALARS):  # most values: concrete types, checked before the slower Mapping ABC
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is not None:
                out[k] = v if type(v) in _AS_IS else _prune(v)
        return out
    if isinstance(value, list):
        return [v if type(v) in _AS_IS else _prune(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    return value


def envelope(payload: Payload | None, *, error: SubsonicError | None = None) -> Payload:
    body: Payload = {
        "status": "failed" if error else "ok",
        "version": API_VERSION,
        "type": "encore",
        "serverVersion": SERVER_VERSION,
        "openSubsonic": True,
    }
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    elif payload:
        body.update(payload)
    return body


def render(body: Payload, *, fmt: str, callback: str | None, status: int = 200) -> Response:
    headers = {"Cache-Control": "no-store"}
    if fmt == "json":
        return Response(_json(_prune(body)), status_code=status, media_type="application/json", headers=headers)
    if fmt == "jsonp":
        name = callback if callback and _CALLBACK.fullmatch(callback) else "callback"
        text = json.dumps({"subsonic-response": _prune(body)}, ensure_ascii=True, separators=(",", ":"), default=_plain)
        return Response(f"{name}({text});", status_code=status, media_type="text/javascript", headers=headers)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _element("subsonic-response", {"xmlns": XMLNS, **body}, out)
    xml = "".join(out).encode("utf-8", "replace")  # XML has no form for a lone surrogate: it becomes "?"
    return Response(xml, status_code=status, media_type="text/xml; charset=utf-8", headers=headers)


def _json(pruned: Payload) -> bytes | str:
    """The same text as json.dumps(ensure_ascii=False) with compact separators, ~10x faster (orjson). What
    orjson refuses (integers past 64 bits, lone surrogates) takes the standard library's path, in ASCII escapes."""
    try:
        return orjson.dumps({"subsonic-response": pruned}, default=_fragment)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        # ASCII escapes: a lone surrogate is valid JSON as `\ud800` but cannot be encoded as UTF-8 text
        return json.dumps({"subsonic-response": pruned}, ensure_ascii=True, separators=(",", ":"), default=_plain)


def _fragment(value: object) -> orjson.Fragment:
    if isinstance(value, Ready):
        return value.json()
    raise TypeError(type(value).__name__)


def _plain(value: object) -> Any:
    if isinstance(value, Ready):
        return _prune(value.shape)
    raise TypeError(type(value).__name__)


def error_response(exc: SubsonicError, *, fmt: str, callback: str | None) -> Response:
    response = render(envelope(None, error=exc), fmt=fmt, callback=callback, status=exc.http_status)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
