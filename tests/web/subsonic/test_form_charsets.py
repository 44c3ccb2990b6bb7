"""A POSTed form whose Content-Type names a charset that is no text encoding, or one whose decoder refuses in
its own way, gets Subsonic's answer for a form it cannot read, never a 500 (review27a M3: `charset=rot13` and
the other bytes-to-bytes codecs were a 500 in Encore's own check, `undefined` and `punycode` inside
Starlette's form parse, each with a traceback logged, on an unauthenticated path). Run on SQLite and
PostgreSQL (the `site` fixture). The `http` client raises whatever the app does not answer, so a crash fails
the test on its own; py-sonic and py-opensonic send only urlencoded forms with no charset, so the hostile
bodies are built by hand and the real clients check that the server still answers them afterwards."""

import asyncio
import json
from urllib.parse import urlsplit
from xml.etree import ElementTree

import libsonic
import pytest
from fastapi.testclient import TestClient
from libopensonic import AsyncConnection

from tests.web.subsonic.conftest import Site

NOT_TEXT = ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"]  # codecs.lookup finds them, decode refuses
OWN_REFUSAL = ["undefined", "punycode", "idna"]  # their decoders raise UnicodeError, not UnicodeDecodeError
CHARSETS = NOT_TEXT + OWN_REFUSAL


def _multipart(charset: str, fields: list[tuple[bytes, bytes]]) -> tuple[bytes, dict[str, str]]:
    parts = [b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (n, v) for n, v in fields]
    return b"".join(parts) + b"--B--\r\n", {"Content-Type": f"multipart/form-data; boundary=B; charset={charset}"}


def _error(http: TestClient, path: str, body: bytes, headers: dict[str, str]) -> dict[str, object]:
    r = http.post(path, content=body, headers=headers)
    assert r.status_code == 200, r.text  # Subsonic's errors travel in a 200, as its clients expect
    answer = r.json()["subsonic-response"]
    assert answer["status"] == "failed", answer
    error: dict[str, object] = answer["error"]
    return error


@pytest.mark.parametrize("charset", CHARSETS)
def test_an_unauthenticated_form_in_a_charset_that_is_not_text_gets_the_usual_error(
    http: TestClient, charset: str
) -> None:
    """The review's request: `POST /rest/ping`, no credentials, one field `x\\`. It is answered as the same
    form in UTF-8 is (credentials missing), or, where the charset cannot read the value, as a field that is
    not text; both are Subsonic's errors in the asked format."""
    fields = [(b"f", b"json"), (b"name", b"xn--" if charset == "idna" else b"x\\")]  # idna refuses an empty label
    usual = _error(http, "/rest/ping", *_multipart("utf-8", fields))
    error = _error(http, "/rest/ping", *_multipart(charset, fields))
    if charset in OWN_REFUSAL:  # none reads its value (nor, for undefined, the name "f")
        assert error["code"] == 0 and "charset" in str(error["message"]), error
    else:
        assert error == usual


@pytest.mark.parametrize("charset", CHARSETS)
def test_a_value_that_is_not_text_in_the_named_charset_is_refused_in_each_format(
    site: Site, http: TestClient, charset: str
) -> None:
    """With credentials, `createPlaylist name=b"\\xff"`: refused naming the field, in json, xml and jsonp as
    asked in the body, and no playlist is made. A charset that is no text encoding is read as an unknown name
    is (only ASCII is sure to come out as sent)."""
    conn = libsonic.Connection(
        f"http://{urlsplit(site.base_url).hostname}",
        "listener",
        site.me.app_password,
        port=urlsplit(site.base_url).port or 80,
        appName="py-sonic",
    )
    before = conn.getPlaylists()["playlists"].get("playlist", [])
    auth = f"apiKey={site.me.api_key}"
    body, headers = _multipart(charset, [(b"f", b"json"), (b"name", b"\xff")])
    error = _error(http, f"/rest/createPlaylist?{auth}", body, headers)
    field = "f" if charset == "punycode" else "name"  # punycode does not read "json" either: the first is named
    assert error["code"] == 0 and str(error["message"]).startswith(f"parameter {field} is not valid text in"), error
    body, headers = _multipart(charset, [(b"name", b"\xff")])
    r = http.post(f"/rest/createPlaylist?{auth}", content=body, headers=headers)
    root = ElementTree.fromstring(r.content)
    assert r.status_code == 200 and root.get("status") == "failed"
    assert next(iter(root)).get("code") == "0"
    body, headers = _multipart(charset, [(b"f", b"jsonp"), (b"callback", b"cb"), (b"name", b"\xff")])
    r = http.post(f"/rest/createPlaylist?{auth}", content=body, headers=headers)
    assert r.status_code == 200 and r.text.startswith("cb(")
    assert json.loads(r.text[3:].rstrip(");"))["subsonic-response"]["error"]["code"] == 0
    assert conn.getPlaylists()["playlists"].get("playlist", []) == before  # nothing was made
    assert conn.ping()  # the real clients are answered as before

    async def opensonic_ping() -> bool:
        url = urlsplit(site.base_url)
        api = AsyncConnection(f"http://{url.hostname}", api_key=site.me.api_key, port=url.port or 80)
        try:
            return bool(await api.ping())
        finally:
            await api.cleanup()

    assert asyncio.run(opensonic_ping())


@pytest.mark.parametrize("charset", CHARSETS)
def test_an_urlencoded_form_naming_such_a_charset_is_read_as_utf8(http: TestClient, charset: str) -> None:
    """A urlencoded body's charset parameter is not read (its bytes are percent-escapes of UTF-8): the same
    answers as without it, no 500."""
    headers = {"Content-Type": f"application/x-www-form-urlencoded; charset={charset}"}
    error = _error(http, "/rest/ping", b"f=json&name=x%5C", headers)
    assert error == _error(http, "/rest/ping", b"f=json&name=x%5C", {"Content-Type": headers["Content-Type"][:33]})
    error = _error(http, "/rest/ping", b"f=json&name=%FF", headers)
    assert error["code"] == 0 and "not valid UTF-8" in str(error["message"])
