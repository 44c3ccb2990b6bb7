"""A POSTed form that is refused (over MAX_FORM_FIELDS fields, a file part, a body over the limit) answers as
Subsonic's own error, in the format the client asked for, wherever it asked: the query, or the body, url-encoded
or multipart (probe18 F4: it was an HTTP 400 in Encore's JSON, a bare "Bad Request" to py-sonic)."""

import json
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit

import httpx
import libsonic
import pytest
from libsonic.errors import SonicError

from encore.web._body_limit import FORM_HEAD
from encore.web.subsonic._asked import MAX_FORM_FIELDS
from tests.web.subsonic.conftest import Site

FORM = {"content-type": "application/x-www-form-urlencoded"}
TOO_MANY = f"too many parameters (at most {MAX_FORM_FIELDS})"


def _auth(site: Site) -> list[tuple[str, str]]:
    return [("u", "listener"), ("p", site.me.app_password), ("v", "1.16.1"), ("c", "test")]


def _many(n: int) -> list[tuple[str, str]]:
    return [("name", "many")] + [("songId", "tr-x")] * n


def test_py_sonic_hears_the_reason(site: Site) -> None:
    """py-sonic POSTs every parameter, f=json among them, in the body."""
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80)
    with pytest.raises(SonicError, match=r"too many parameters \(at most 2000\)"):
        conn.createPlaylist(name="many", songIds=["tr-x"] * (MAX_FORM_FIELDS + 1))


@pytest.mark.parametrize("where", ["query", "body"])
def test_json_asked_in_the_query_or_the_body(site: Site, where: str) -> None:
    fmt = [("f", "json")]
    query = "?" + urlencode(fmt) if where == "query" else ""
    body = urlencode(_auth(site) + (fmt if where == "body" else []) + _many(MAX_FORM_FIELDS + 1))
    r = httpx.post(f"{site.base_url}/rest/createPlaylist{query}", content=body, headers=FORM, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    answer = r.json()["subsonic-response"]
    assert answer["status"] == "failed"
    assert answer["error"] == {"code": 0, "message": TOO_MANY}


def test_xml_by_default(site: Site) -> None:
    body = urlencode(_auth(site) + _many(MAX_FORM_FIELDS + 1))
    r = httpx.post(f"{site.base_url}/rest/createPlaylist.view", content=body, headers=FORM, timeout=60)
    assert r.status_code == 200 and "xml" in r.headers["content-type"]
    assert f'<error code="0" message="{TOO_MANY}"' in r.text


def test_jsonp_keeps_its_callback(site: Site) -> None:
    body = urlencode([("f", "jsonp"), ("callback", "cb"), *_auth(site), *_many(MAX_FORM_FIELDS + 1)])
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", content=body, headers=FORM, timeout=60)
    assert r.status_code == 200 and r.text.startswith("cb(")
    assert json.loads(r.text[3:-2])["subsonic-response"]["error"]["message"] == TOO_MANY


def test_a_multipart_form_over_the_limit_too(site: Site) -> None:
    fields = [(k, (None, v)) for k, v in _auth(site) + _many(MAX_FORM_FIELDS + 1)]
    r = httpx.post(f"{site.base_url}/rest/createPlaylist?f=json", files=fields, timeout=60)
    assert r.status_code == 200
    assert r.json()["subsonic-response"]["error"] == {"code": 0, "message": TOO_MANY}


def test_a_form_within_the_limit_still_works(site: Site) -> None:
    body = urlencode([("f", "json"), *_auth(site), ("name", "few")])
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", content=body, headers=FORM, timeout=60)
    assert r.json()["subsonic-response"]["status"] == "ok"


@pytest.mark.parametrize(
    "kind", ["APPLICATION/X-WWW-FORM-URLENCODED", "Application/x-www-form-urlencoded; Charset=UTF-8"]
)
def test_a_form_type_in_capitals_is_read(site: Site, kind: str) -> None:
    """A media type is case-insensitive: the body was ignored (probe18b N8: "required parameter is missing")."""
    body = urlencode([("f", "json"), *_auth(site), ("name", "capitals")])
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", content=body, headers={"content-type": kind}, timeout=60)
    assert r.json()["subsonic-response"]["status"] == "ok", r.text


def test_the_format_is_looked_for_only_where_starlette_read(site: Site) -> None:
    """The refused body is searched for `f` among its first MAX_FORM_FIELDS fields only, as the form parser read
    them (review18b: the whole 1 MiB body was parsed, before any log-in): an `f=json` past them is not seen."""
    body = urlencode(_auth(site) + _many(MAX_FORM_FIELDS + 1) + [("f", "json")])
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", content=body, headers=FORM, timeout=60)
    assert r.status_code == 200 and "xml" in r.headers["content-type"]
    assert f'<error code="0" message="{TOO_MANY}"' in r.text


def _parts(pairs: list[tuple[str, str]]) -> list[tuple[str, tuple[None, str]]]:
    return [(k, (None, v)) for k, v in pairs]


@pytest.mark.parametrize(("asked", "starts"), [([("f", "json")], "{"), ([("f", "jsonp"), ("callback", "cb")], "cb(")])
def test_a_multipart_form_asks_for_its_format_in_its_body(
    site: Site, asked: list[tuple[str, str]], starts: str
) -> None:
    """The multipart body's own `f` (and `callback`) were not looked for: the refusal answered XML."""
    fields = _parts(asked + _auth(site) + _many(MAX_FORM_FIELDS + 1))
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", files=fields, timeout=60)
    assert r.status_code == 200 and r.text.startswith(starts), r.text[:200]
    answer = json.loads(r.text.removeprefix("cb(").removesuffix(");"))["subsonic-response"]
    assert answer["error"] == {"code": 0, "message": TOO_MANY}


def test_a_multipart_form_with_a_file_is_refused_in_the_format_asked_before_it(site: Site) -> None:
    """Encore's form takes no file, and the parser stops at the first: an `f` before it is read, one after it is
    not (nothing past the file is looked at)."""
    before = [*_parts([("f", "json"), *_auth(site), ("name", "x")]), ("cover", ("a.jpg", b"\xff\xd8", "image/jpeg"))]
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", files=before, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), r.text
    assert r.json()["subsonic-response"]["error"]["code"] == 0
    after = [("cover", ("a.jpg", b"\xff\xd8", "image/jpeg")), *_parts([("f", "json"), *_auth(site)])]
    r = httpx.post(f"{site.base_url}/rest/createPlaylist", files=after, timeout=60)
    assert r.status_code == 200 and "xml" in r.headers["content-type"] and '<error code="0"' in r.text


def test_a_multipart_part_without_a_name_ends_the_search_where_the_parser_stopped(site: Site) -> None:
    head = b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\njsonp\r\n'
    nameless = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
    tail = b'--b\r\nContent-Disposition: form-data; name="callback"\r\n\r\ncb\r\n--b--\r\n'
    headers = {"content-type": "multipart/form-data; boundary=b"}
    r = httpx.post(f"{site.base_url}/rest/ping", content=head + nameless + tail, headers=headers, timeout=60)
    assert r.status_code == 200 and r.text.startswith("callback("), r.text  # jsonp read; the callback after, not
    assert "name" in json.loads(r.text[9:-2])["subsonic-response"]["error"]["message"]


def test_an_unknown_method_posted_as_a_form_answers_in_the_body_s_format(site: Site) -> None:
    for fields in ({"f": "json"}, {"f": "JSON", "x": "y"}):
        r = httpx.post(f"{site.base_url}/rest/a/b", data=fields, timeout=60)
        assert r.status_code == 200 and r.json()["subsonic-response"]["error"]["code"] == 70
    r = httpx.post(f"{site.base_url}/rest/", files=_parts([("f", "jsonp"), ("callback", "cb")]), timeout=60)
    assert r.status_code == 200 and r.text.startswith("cb(")


def test_py_sonic_s_body_over_the_limit_is_refused_in_the_json_it_asked_for(site: Site) -> None:
    """py-sonic declares the body's length and sends f=json in it: the refusal (413, before the form is read)
    answered XML. It reads the body's first FORM_HEAD bytes for `f`; urllib raises on the 413, with the body."""
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80)
    with pytest.raises(HTTPError) as refused:
        conn.createPlaylist(name="huge", songIds=[f"tr-{i:08d}" for i in range(80_000)])  # ~1.5 MiB of songId=
    assert refused.value.code == 413 and refused.value.headers["content-type"].startswith("application/json")
    answer = json.loads(refused.value.read())["subsonic-response"]
    assert answer["status"] == "failed" and answer["error"]["message"] == "request body too large: at most 1 MiB here"


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_reads_the_format_from_its_head_only(site: Site, chunked: bool) -> None:
    """jsonp and its callback from the body's head, declared or chunked; an `f` past FORM_HEAD is not looked for."""
    padding = [("songId", "x" * 1000)] * (FORM_HEAD // 1000 + 1)  # f= starts past FORM_HEAD
    huge = [("songId", "tr-x" * 1000)] * 300  # past the 1 MiB limit

    def post(pairs: list[tuple[str, str]]) -> httpx.Response:
        body = urlencode(pairs).encode()
        content = iter([body[i : i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
        return httpx.post(f"{site.base_url}/rest/createPlaylist", content=content, headers=FORM, timeout=60)

    r = post([("f", "jsonp"), ("callback", "cb"), *_auth(site), *huge])
    assert r.status_code == 413 and r.text.startswith("cb("), r.text[:200]
    r = post([*_auth(site), *padding, ("f", "json"), *huge])
    assert r.status_code == 413 and "xml" in r.headers["content-type"]
