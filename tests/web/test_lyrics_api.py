"""Lyrics over the player and label APIs: a label writes its own tracks' lyrics (JSON or a raw .lrc file),
every hostile input gets a clear 413 or 422, another label's track is a 404, listeners read them."""

import codecs
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import lyrics
from encore.bootstrap import Container
from encore.catalog import Label, Track
from encore.db import transaction
from encore.kernel import FixedClock
from tests.ingest import corpus
from tests.labels.world import AFTER, build
from tests.web.conftest import login


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


@pytest.fixture
def world(container: Container) -> dict[str, str]:
    container.clock = FixedClock(AFTER)
    with transaction(container.sessions) as s:
        w = build(s)  # Song A (ours, 3:00) and Song B (theirs)
        return {
            "ours": s.get_one(Label, w.ours_label_id).public_id,
            "theirs": s.get_one(Label, w.theirs_label_id).public_id,
            "a": w.a.public_id,
            "b": w.b.public_id,
            "ad": w.ad.public_id,
        }


def _url(world: dict[str, str], track: str = "a", label: str = "ours") -> str:
    return f"/api/label/{world[label]}/tracks/{world[track]}/lyrics"


def test_a_label_writes_reads_and_removes_its_tracks_lyrics(client: TestClient, world: dict[str, str]) -> None:
    ours = _h(client, "ours")
    assert client.get(_url(world), headers=ours).json() is None
    r = client.put(_url(world), json={"text": "[00:12.00]Second\n[00:02.50]First", "language": "en"}, headers=ours)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["synced"] and body["language"] == "en" and body["source"] == "label"
    assert body["lines"] == [{"start_ms": 2500, "text": "First"}, {"start_ms": 12000, "text": "Second"}]
    assert body["lrc"] == "[00:02.500]First\n[00:12.000]Second"

    listener = _h(client, "free")
    heard = client.get(f"/api/tracks/{world['a']}/lyrics", headers=listener).json()
    assert heard["lines"][0] == {"start_ms": 2500, "text": "First"} and heard["track_id"] == world["a"]

    raw = codecs.BOM_UTF16_LE + "[00:01.00]Über alles\n".encode("utf-16-le")
    r = client.put(_url(world) + "/file?language=deu", content=raw, headers=ours)
    assert r.status_code == 200, r.text
    assert r.json()["lines"] == [{"start_ms": 1000, "text": "Über alles"}] and r.json()["language"] == "deu"

    assert client.delete(_url(world), headers=ours).json() == {"deleted": True}
    assert client.delete(_url(world), headers=ours).json() == {"deleted": False}
    missing = client.get(f"/api/tracks/{world['a']}/lyrics", headers=listener)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_lyrics"


def test_another_labels_track_is_404_and_unchanged(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    ours, theirs = _h(client, "ours"), _h(client, "theirs")
    client.put(_url(world), json={"text": "[00:01.00]Ours"}, headers=ours)
    attempts = [
        client.put(_url(world, label="theirs"), json={"text": "[00:01.00]Pwned"}, headers=theirs),  # ours via theirs
        client.put(_url(world, track="a", label="ours"), json={"text": "[00:01.00]Pwned"}, headers=theirs),
        client.put(_url(world, track="a", label="theirs") + "/file", content=b"[00:01.00]Pwned", headers=theirs),
        client.delete(_url(world, track="a", label="theirs"), headers=theirs),
        client.get(_url(world, track="a", label="theirs"), headers=theirs),
        client.put(_url(world, track="b", label="ours"), json={"text": "[00:01.00]Theirs"}, headers=ours),
        client.put(_url(world, track="a"), json={"text": "[00:01.00]Pwned"}, headers=_h(client, "free")),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    with container.sessions() as s:
        a = s.scalar(select(Track.id).where(Track.public_id == world["a"]))
        b = s.scalar(select(Track.id).where(Track.public_id == world["b"]))
        assert a is not None and b is not None
        stored = lyrics.lyrics_of(s, track_id=a)
        assert stored is not None and stored.lyrics.lines[0].text == "Ours"
        assert lyrics.lyrics_of(s, track_id=b) is None
    ad = client.get(f"/api/tracks/{world['ad']}/lyrics", headers=_h(client, "free"))
    assert ad.status_code == 404  # an ad is not a listed track


HOSTILE: list[tuple[dict[str, object], int, str]] = [
    ({"content": ("[00:01.00]" + "la " * 100 + "\n").encode() * 1000}, 413, "at most 256 KiB"),
    ({"json": {"text": ("[00:01.00]" + "la " * 100 + "\n") * 1000}}, 413, "over 256 KiB"),
    ({"json": {"text": "".join(f"[00:{i % 60:02d}.00]x\n" for i in range(2001))}}, 422, "at most 2000"),
    ({"json": {"text": "[00:01.00]ok\nno time here\n"}}, 422, "line 2: no timestamp"),
    ({"json": {"text": "[00:01.00]ok\n[00:xx.00]bad\n"}}, 422, "line 2: malformed timestamp"),
    ({"content": "[00:01.00]Café".encode("latin-1")}, 422, "not UTF-8"),
    ({"content": "[00:01.00]no mark".encode("utf-16-le")}, 422, "NUL bytes"),
    ({"json": {"text": "[00:01.00]Hi\u0000there"}}, 422, "NUL"),
    ({"json": {"text": "[00:01.00]fine\n[04:00.00]Song A is three minutes long\n"}}, 422, "after the track ends"),
    ({"json": {"text": "[ti:Nothing]\n"}}, 422, "no lyrics"),
]


def test_hostile_lyrics_are_refused_clearly_and_change_nothing(client: TestClient, world: dict[str, str]) -> None:
    ours = _h(client, "ours")  # one login for all cases: each case is a request, not a new world
    for body, status, message in HOSTILE:
        url = _url(world) + ("/file" if "content" in body else "")
        r = client.put(url, headers=ours, **body)  # type: ignore[arg-type]
        assert r.status_code == status, (message, r.text)
        assert message in r.json()["error"]["message"], (message, r.text)
    assert client.get(_url(world), headers=ours).json() is None


def test_a_multipart_lyrics_file_is_refused_and_the_body_is_declared(client: TestClient, world: dict[str, str]) -> None:
    """probe21a F5: a multipart upload (as every other upload here is) was read raw, and its MIME boundary
    refused as "line 1"; the route's OpenAPI entry declared no body at all."""
    ours = _h(client, "ours")
    files = {"file": ("song.lrc", b"[00:01.00]Hello\n", "text/plain")}
    r = client.put(_url(world) + "/file", files=files, headers=ours)
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == "multipart_not_accepted" and "--" not in r.json()["error"]["message"]
    mixed = {**ours, "content-type": "multipart/mixed; boundary=xyz"}  # any multipart: its boundary is no lyric
    r = client.put(_url(world) + "/file", content=b"--xyz\r\n\r\n[00:01.00]Hello\r\n--xyz--\r\n", headers=mixed)
    assert r.status_code == 415 and r.json()["error"]["code"] == "multipart_not_accepted", r.text
    assert client.get(_url(world), headers=ours).json() is None
    plain = client.put(
        _url(world) + "/file", content=b"[00:01.00]Hello\n", headers={**ours, "content-type": "text/plain"}
    )
    assert plain.status_code == 200 and plain.json()["lines"] == [{"start_ms": 1000, "text": "Hello"}]
    put = client.get("/openapi.json").json()["paths"]["/api/label/{label_id}/tracks/{track_id}/lyrics/file"]["put"]
    assert set(put["requestBody"]["content"]) == {"text/plain", "application/octet-stream"}
    assert "415" in put["responses"]


def test_out_of_order_lines_are_sorted_not_refused(client: TestClient, world: dict[str, str]) -> None:
    text = "[00:30.00]three\n[00:10.00]one\n[00:20.00]two\n"
    r = client.put(_url(world), json={"text": text}, headers=_h(client, "ours"))
    assert [line["text"] for line in r.json()["lines"]] == ["one", "two", "three"]


def test_a_label_upload_carries_its_lrc_sidecar(client: TestClient, world: dict[str, str], tmp_path: Path) -> None:
    flac = corpus.write_flac(tmp_path / "x.flac", corpus.tone(1.5, 440), title="Uploaded", artist="Ours Band")
    r = client.post(
        f"/api/label/{world['ours']}/uploads",
        files={
            "file": ("song.flac", io.BytesIO(flac.read_bytes())),
            "lyrics": ("song.lrc", io.BytesIO(b"[00:00.40]Uploaded with lyrics\n")),
        },
        headers=_h(client, "ours"),
    )
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    catalogue = client.get(f"/api/label/{world['ours']}/catalogue", headers=_h(client, "ours")).json()
    track_id = next(t["id"] for a in catalogue for t in a["tracks"] if t["title"] == "Uploaded")
    # an upload is a draft: its lyrics are the label's to read until it is published, no listener's
    own = client.get(f"/api/label/{world['ours']}/tracks/{track_id}/lyrics", headers=_h(client, "ours")).json()
    assert own["source"] == "sidecar" and own["lines"] == [{"start_ms": 400, "text": "Uploaded with lyrics"}]
    assert client.get(f"/api/tracks/{track_id}/lyrics", headers=_h(client, "free")).status_code == 404
