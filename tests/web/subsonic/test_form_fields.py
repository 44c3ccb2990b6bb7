"""A POSTed form over MAX_FORM_FIELDS fields is refused as Subsonic's own error, in the format the client asked
for, wherever it asked (probe18 F4: it was an HTTP 400 in Encore's JSON, a bare "Bad Request" to py-sonic)."""

import json
from urllib.parse import urlencode, urlsplit

import httpx
import libsonic
import pytest
from libsonic.errors import SonicError

from encore.web.subsonic._router import MAX_FORM_FIELDS
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
