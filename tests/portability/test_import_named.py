"""A history import names what the listener sent (probe22 F9): a multipart form's file (`curl -F file=@9.jsonl`)
is read as that file, under its own name; a bare body without `?filename=` is "the request body", never a name
the listener did not give ("upload.json")."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.history import Play
from encore.jobs import Job
from tests.portability.test_import import client
from tests.support.jobs import run_jobs

__all__ = ["client"]  # the fixture: a logged-in listener
CSRF = {"X-Encore-CSRF": "1"}
URL = "/api/me/history/import"


def _lines(rows: int) -> bytes:
    """A month file of a ListenBrainz export: JSON lines, which only a name ending in .jsonl says."""
    meta = {"artist_name": "Band", "track_name": "Song"}
    return b"".join(json.dumps({"listened_at": 1_600_000_000 + 60 * i, "track_metadata": meta}).encode() + b"\n"
                    for i in range(rows))  # fmt: skip


def _finished(client: TestClient, container: Container, answer: Any) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    run_jobs(container)
    done: dict[str, Any] = client.get(f"/api/me/jobs/{answer.json()['id']}").json()
    return done


def _count(c: Container, model: type[Play] | type[Job] = Play) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_multipart_file_is_imported_under_its_own_name(client: TestClient, container: Container) -> None:
    sent = client.post(URL, files={"file": ("9.jsonl", _lines(20), "application/octet-stream")}, headers=CSRF)
    done = _finished(client, container, sent)
    assert done["state"] == "done" and done["result"]["imported"] == 20, done
    assert _count(container) == 20


def test_errors_name_the_form_file_or_the_request_body(client: TestClient, container: Container) -> None:
    form = client.post(URL, files={"file": ("C:\\Users\\me\\mine.json", b"{}")}, data={"note": "x"}, headers=CSRF)
    done = _finished(client, container, form)
    assert done["error"]["message"] == "mine.json: expected a JSON array of history entries", done
    bare = client.post(URL, content=b"{}", headers=CSRF)
    done = _finished(client, container, bare)
    assert done["error"]["message"] == "the request body: expected a JSON array of history entries", done
    named = client.post(f"{URL}?filename=mine.json", content=b"{}", headers=CSRF)
    assert _finished(client, container, named)["error"]["message"].startswith("mine.json: ")


def test_a_long_name_keeps_its_suffix(client: TestClient, container: Container) -> None:
    """review23 F7: a name over 200 characters lost its end, .jsonl with it, and its JSON lines were refused as
    not a JSON array. A hostile suffix is bounded with the rest of the name, as before."""
    name = "listens-" + "x" * 200 + "-2024-01.jsonl"
    sent = client.post(URL, files={"file": (name, _lines(5), "application/octet-stream")}, headers=CSRF)
    done = _finished(client, container, sent)
    assert done["state"] == "done" and done["result"]["imported"] == 5 and _count(container) == 5, done
    hostile = "listens." + "jsonl" * 60
    sent = client.post(URL, files={"file": (hostile, b"{}", "application/octet-stream")}, headers=CSRF)
    done = _finished(client, container, sent)
    said = done["error"]["message"]  # the job's error shortens a long name further, in its middle
    assert said.startswith("listens.jsonljsonl") and said.endswith("ljs: expected a JSON array of history entries")
    assert len(said) < 200 + 50, said


BOUNDARY = "b0undary"
PART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="9.jsonl"\r\n\r\n'.encode()
    + _lines(2)
    + b"\r\n"
)
FIELD = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'.encode()
END = f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (FIELD + END, f"multipart/form-data; boundary={BOUNDARY}", "no_file"),
        (PART + PART + END, f"multipart/form-data; boundary={BOUNDARY}", "too_many_files"),
        (PART, f"multipart/form-data; boundary={BOUNDARY}", "invalid_multipart"),  # cut before its end
        (PART + END, "multipart/form-data", "invalid_multipart"),  # no boundary
        (b"no framing at all\r\n", f"multipart/form-data; boundary={BOUNDARY}", "invalid_multipart"),
    ],
    ids=["no-file", "two-files", "cut-short", "no-boundary", "not-multipart"],
)
def test_a_broken_form_is_refused_before_any_job(
    client: TestClient, container: Container, body: bytes, content_type: str, code: str
) -> None:
    r = client.post(URL, content=body, headers={**CSRF, "Content-Type": content_type})
    assert r.status_code == 400 and r.json()["error"]["code"] == code, r.text
    assert _count(container, Job) == 0
    assert not list(container.settings.data_dir.rglob("*.upload"))  # the partial upload is gone


HOSTILE = "%0d%0aX-Evil:%201%1b%5b31m%3cscript%3e.json"  # CR LF, a header, ESC [31m: what reaches a terminal


def test_a_query_name_is_cleaned_like_a_form_name_and_the_form_name_wins(
    client: TestClient, container: Container
) -> None:
    """probe23 F1: `?filename=` reached job errors (and `encore jobs show`) with CR/LF and escape sequences,
    and overrode the multipart form's cleaned name."""
    bare = client.post(f"{URL}?filename={HOSTILE}", content=b'[{"x":1}]', headers=CSRF)
    message = _finished(client, container, bare)["error"]["message"]
    assert message.startswith("X-Evil: 1[31m<script>.json entry 1: "), message  # control characters dropped
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in message), message
    form = client.post(f"{URL}?filename=%1b%5d0%3bpwned%07x.json", files={"file": ("clean.json", b"{}")}, headers=CSRF)
    message = _finished(client, container, form)["error"]["message"]
    assert message == "clean.json: expected a JSON array of history entries", message
    path = client.post(f"{URL}?filename=..%2F..%2Fetc%2Fmine.jsonl", content=_lines(3), headers=CSRF)
    done = _finished(client, container, path)  # the last path part, its suffix still read (JSON lines)
    assert done["state"] == "done" and done["result"]["imported"] == 3, done
