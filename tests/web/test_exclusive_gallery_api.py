"""The four kinds of exclusive locked on every face (issue #18): a gallery's pictures and an interview's audio
answer a free listener 403 with the reason, wherever they ask; a withdrawn exclusive's old URLs answer 404;
gallery uploads refuse what is not a picture, a decompression bomb and 50 MB; another label's is 404."""

import io
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from encore.accounts import User
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.db import transaction
from encore.devices import create_device
from tests.web.test_exclusives_api import _h, world

__all__ = ["world"]


def _picture(width: int = 800, height: int = 500) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def _claims(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height`: a decompression bomb to anything that believes it."""
    png = bytearray(_picture(8, 8))
    ihdr = png[16:29]  # after the signature (8), the length (4) and "IHDR" (4): 13 bytes of header data
    ihdr[0:8] = struct.pack(">II", width, height)
    png[16:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(png)


def _new(client: TestClient, world: dict[str, str], kind: str, **extra: object) -> dict[str, object]:
    body = {"kind": kind, "title": f"A {kind}", "album_id": world["album"], **extra}
    r = client.post("/api/label/exclusives", json=body, headers=_h(client, "ours"))
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def _base(client: TestClient, label: str = "ours") -> str:
    return f"/api/label/{client.get('/api/me/label', headers=_h(client, label)).json()['id']}"


def _upload(
    client: TestClient, ex_id: object, data: bytes, who: str = "ours", caption: str = "", base: str | None = None
) -> object:
    files = {"file": ("art.png", data, "image/png")}
    form = {"label": caption} if caption else None
    url = f"{base or _base(client)}/exclusives/{ex_id}/images"
    return client.post(url, files=files, data=form, headers=_h(client, who))


def _premium(client: TestClient, world: dict[str, str]) -> dict[str, str]:
    r = client.put(f"/api/admin/users/{world['paid']}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert r.status_code == 200
    return _h(client, "paid")


def test_a_gallery_opens_for_premium_and_answers_free_listeners_403_with_the_reason(
    client: TestClient, world: dict[str, str]
) -> None:
    gallery = _new(client, world, "gallery")
    for caption in ("Sketch", "Alternate cover"):
        r = _upload(client, gallery["id"], _picture(), caption=caption)
        assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    free = _h(client, "free")
    image_url = f"/api/exclusives/{gallery['id']}/images/1"
    r = client.get(image_url, headers=free)
    assert r.status_code == 403
    assert r.json()["error"] == {"code": "premium_required", "message": "this exclusive is for Premium listeners"}
    assert client.get(image_url + "?size=300", headers=free).status_code == 403
    assert client.get(f"/api/exclusives/{gallery['id']}", headers=free).status_code == 403
    listed = client.get(f"/api/albums/{world['album']}/exclusives", headers=free).json()
    assert [(x["kind"], x["locked"], x["image_count"], x["images"]) for x in listed] == [("gallery", True, 2, [])]

    paid = _premium(client, world)
    opened = client.get(f"/api/exclusives/{gallery['id']}", headers=paid).json()
    assert [i["caption"] for i in opened["images"]] == ["Sketch", "Alternate cover"]
    r = client.get(opened["images"][1]["url"], headers=paid)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"].startswith("private")  # never kept by a shared cache for the next listener
    assert Image.open(io.BytesIO(r.content)).size == (800, 500)  # its own shape, not cropped square
    thumb = client.get(opened["images"][1]["thumb_url"], headers=paid)
    assert Image.open(io.BytesIO(thumb.content)).size == (300, 188)
    assert client.get(f"/api/exclusives/{gallery['id']}/images/7", headers=paid).status_code == 404
    for position in ("99999999999999999999", "-99999999999999999999", "-1"):  # past SQLite's integer: was a 500
        assert client.get(f"/api/exclusives/{gallery['id']}/images/{position}", headers=paid).status_code == 404
    client.cookies.clear()  # login() left the last account's cookie
    assert client.get(image_url).status_code == 401  # and nobody signed out


def test_an_interviews_audio_is_locked_on_every_face(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    interview = _new(client, world, "interview", track_id=world["track"])
    free = _h(client, "free")
    r = client.get(f"/api/exclusives/{interview['id']}", headers=free)
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"
    r = client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=free)  # the player's stream URL
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"
    assert client.get(f"/api/me/locks?ids={world['track']}", headers=free).json()[world["track"]]["reason"] == (
        "premium_required"
    )
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == "free")).one()
        phone = create_device(s, user_id=user.id, name="phone", secret=secret, now=datetime.now(UTC))
    r = client.get("/rest/stream", params={"apiKey": phone.api_key, "id": f"tr-{world['track']}", "f": "json"})
    body = r.json()["subsonic-response"]
    assert body["status"] == "failed" and "premium_required" in body["error"]["message"]
    assert r.headers["content-type"].startswith("application/json")  # an error document, not audio bytes

    paid = _premium(client, world)
    opened = client.get(f"/api/exclusives/{interview['id']}", headers=paid).json()
    assert opened["track_id"] == world["track"]
    assert client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=paid).status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"<?php echo 'not a picture'; ?>", 400, "not_an_image"),
        (b"GIF89a" + bytes(100), 400, "not_an_image"),  # a real image format, but not one a gallery takes
        (_claims(30_000, 30_000), 400, "image_bomb"),  # Pillow's own guard (far past its limit)
        (_claims(7_000, 7_000), 400, "image_bomb"),  # past the gallery's 40 MP, under Pillow's
        (_picture()[:200], 400, "not_an_image"),  # a truncated PNG
    ],
)
def test_gallery_uploads_refuse_what_is_not_a_picture(
    client: TestClient, world: dict[str, str], data: bytes, status: int, code: str
) -> None:
    gallery = _new(client, world, "gallery")
    r = _upload(client, gallery["id"], data)
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert client.get(f"{_base(client)}/exclusives", headers=_h(client, "ours")).json()[0]["image_count"] == 0


def test_a_gallery_image_too_large_names_its_size_and_the_limit(client: TestClient, world: dict[str, str]) -> None:
    """probe18 F3: it said "too large to decode" and never the limit; covers say the same sentence."""
    gallery = _new(client, world, "gallery")
    r = _upload(client, gallery["id"], _claims(7_000, 7_000))
    assert r.json()["error"]["message"] == (  # type: ignore[attr-defined]
        "That image is 7,000 × 7,000 pixels (49 megapixels); an image can be at most 40 megapixels"
        " (6,324 × 6,324, for example)."
    )
    r = _upload(client, gallery["id"], b"GIF89a" + bytes(100))
    assert r.json()["error"]["message"] == "That file is not an image Encore can read (JPEG, PNG or WebP)."  # type: ignore[attr-defined]


def test_a_50_mb_upload_is_refused_before_it_is_read(client: TestClient, world: dict[str, str]) -> None:
    gallery = _new(client, world, "gallery")
    r = _upload(client, gallery["id"], b"\x89PNG" + bytes(50 * 1024 * 1024))
    assert r.status_code == 413, r.text  # type: ignore[attr-defined]
    assert "at most 17 MiB" in r.json()["error"]["message"]  # type: ignore[attr-defined]


def test_only_the_owning_label_fills_or_withdraws_an_exclusive(client: TestClient, world: dict[str, str]) -> None:
    gallery = _new(client, world, "gallery")
    interview = _new(client, world, "interview")
    ours, theirs = _base(client), _base(client, "theirs")
    for who, base in (("theirs", ours), ("theirs", theirs), ("free", ours), ("paid", ours)):
        r = _upload(client, gallery["id"], _picture(), who=who, base=base)
        assert r.status_code == 404, (who, base, r.text)  # type: ignore[attr-defined]
        gone = client.delete(f"{base}/exclusives/{gallery['id']}", headers=_h(client, who))
        assert gone.status_code == 404, (who, base)
    assert client.get(f"{theirs}/exclusives", headers=_h(client, "theirs")).json() == []
    assert client.get(f"{ours}/exclusives", headers=_h(client, "theirs")).status_code == 404
    r = _upload(client, interview["id"], _picture())
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_a_gallery"  # type: ignore[attr-defined]
    mine = client.get(f"{ours}/exclusives", headers=_h(client, "ours")).json()
    assert [x["kind"] for x in mine] == ["gallery", "interview"] and mine[0]["image_count"] == 0


def test_another_labels_gallery_is_404_before_the_body_is_read(client: TestClient, world: dict[str, str]) -> None:
    """review22 F2: as a release's cover, a gallery image is checked against its exclusive before the form is read
    (a body that is no form answered 400 "send the audio ..."), and its form asks for a picture."""
    gallery = _new(client, world, "gallery")
    url = f"{_base(client, 'theirs')}/exclusives/{gallery['id']}/images"
    r = client.post(url, content=b"not a form", headers=_h(client, "theirs"))
    assert r.status_code == 404, r.text
    mine = f"{_base(client)}/exclusives/{gallery['id']}/images"
    r = client.post(mine, files={"other": ("x.bin", b"x")}, headers=_h(client, "ours"))
    assert r.status_code == 400 and r.json()["error"]["message"] == "send the picture as a multipart field named 'file'"


def test_a_withdrawn_exclusives_old_urls_answer_404_and_its_audio_is_what_the_catalogue_says(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    gallery = _new(client, world, "gallery")
    assert _upload(client, gallery["id"], _picture()).status_code == 201  # type: ignore[attr-defined]
    demo = _new(client, world, "demo", track_id=world["track"])
    paid = _premium(client, world)
    old = [
        f"/api/exclusives/{gallery['id']}",
        f"/api/exclusives/{gallery['id']}/images/0",
        f"/api/exclusives/{demo['id']}",
    ]
    assert [client.get(u, headers=paid).status_code for u in old] == [200, 200, 200]
    ours, base = _h(client, "ours"), _base(client)
    for ex in (gallery, demo):
        assert client.delete(f"{base}/exclusives/{ex['id']}", headers=ours).status_code == 204
    for who in (paid, _h(client, "free")):
        assert [client.get(u, headers=who).status_code for u in old] == [404, 404, 404]
        assert client.get(f"/api/albums/{world['album']}/exclusives", headers=who).json() == []
    assert client.get(f"{base}/exclusives", headers=ours).json() == []
    assert client.delete(f"{base}/exclusives/{demo['id']}", headers=ours).status_code == 404
    assert _upload(client, gallery["id"], _picture()).status_code == 404  # type: ignore[attr-defined]
    # A withdrawn exclusive locks its track no more: this public track is free listeners' again (probe20 F2:
    # it stayed Premium-only for good). Audio on a Premium release stays Premium: test_exclusive_withdrawn_api.
    r = client.post(f"/api/tracks/{world['track']}/stream", json={}, headers=_h(client, "free"))
    assert r.status_code == 200, r.text
    container.clock.advance(timedelta(days=1).total_seconds())  # type: ignore[attr-defined]
    assert client.get(old[0], headers=paid).status_code == 404


def test_a_caption_with_a_control_character_is_refused_before_the_image_is_stored(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    """A NUL in a caption (a form field, not a JSON body) was stored on SQLite and shown to listeners, and on
    PostgreSQL refused only after the image was written to the store."""
    gallery = _new(client, world, "gallery")
    before = sorted(p for p in container.store.root.rglob("*") if p.is_file())
    for caption in ("Sk\x00etch", "bell\x07"):
        r = _upload(client, gallery["id"], _picture(), caption=caption)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_caption", r.text  # type: ignore[attr-defined]
    assert sorted(p for p in container.store.root.rglob("*") if p.is_file()) == before  # no orphan image
    ok = _upload(client, gallery["id"], _picture(), caption="Line one\tand a tab")
    assert ok.status_code == 201, ok.text  # type: ignore[attr-defined]


def test_the_owning_label_sees_its_own_gallery_and_another_label_does_not(
    client: TestClient, world: dict[str, str]
) -> None:
    """The upload's answer gives each picture's URL with reason "owner"; the owning label's account got 403
    premium_required on it (probe18b), so a label could not look at what it had just put up."""
    gallery = _new(client, world, "gallery")
    made = _upload(client, gallery["id"], _picture(), caption="Sketch").json()  # type: ignore[attr-defined]
    url = made["images"][0]["url"]
    r = client.get(url, headers=_h(client, "ours"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert client.get(f"/api/exclusives/{gallery['id']}", headers=_h(client, "ours")).json()["locked"] is False
    assert client.get(url, headers=_h(client, "theirs")).status_code == 403  # another label is a free listener here
    assert client.get(url, headers=_h(client, "free")).status_code == 403


@pytest.mark.parametrize("hidden_as", ["withdrawn", "draft"])
def test_exclusives_of_a_release_listeners_cannot_see_are_as_missing_as_the_release(
    client: TestClient, container: Container, world: dict[str, str], hidden_as: str
) -> None:
    """probe21a F1: the album of a draft or withdrawn release answered 404, but its exclusives were listed to
    free listeners (title and description), a Premium listener opened them and their unreleased pictures, the
    player's lock hint said its track existed and when it would open. Now all of it is as missing as the
    release; its label still sees and manages its own."""
    gallery = _new(client, world, "gallery")
    assert _upload(client, gallery["id"], _picture()).status_code == 201  # type: ignore[attr-defined]
    on_artist = client.post(
        "/api/label/exclusives",
        json={"kind": "interview", "title": "Talk", "album_id": None, "artist_id": world["artist"]},
        headers=_h(client, "ours"),
    ).json()
    prerelease = {"kind": "prerelease", "title": "Next", "album_id": world["album"], "track_id": world["track"]}
    prerelease |= {"availability": "prerelease", "release_at": (container.clock.now() + timedelta(days=7)).isoformat()}
    assert client.post("/api/label/exclusives", json=prerelease, headers=_h(client, "ours")).status_code == 201
    paid, free = _premium(client, world), _h(client, "free")
    before = client.get(f"/api/albums/{world['album']}/exclusives", headers=free).json()
    assert len(before) == 2 and len(client.get(f"/api/artists/{world['artist']}/exclusives", headers=free).json()) == 1
    assert world["track"] in client.get("/api/me/locks", params={"ids": world["track"]}, headers=free).json()

    if hidden_as == "withdrawn":
        base = _base(client)
        r = client.post(f"{base}/releases/{world['album']}/withdraw", headers=_h(client, "ours"))
        assert r.status_code == 200, r.text
    else:  # a release back in drafts, as the label's portal keeps one before it is published
        with transaction(container.sessions) as s:
            album = s.scalars(select(Album).where(Album.public_id == world["album"])).one()
            album.status = "draft"
            for track in s.scalars(select(Track).where(Track.album_id == album.id)):
                track.status = "draft"
    assert client.get(f"/api/albums/{world['album']}", headers=free).status_code == 404
    for who in (free, paid):
        assert client.get(f"/api/albums/{world['album']}/exclusives", headers=who).json() == []
        assert client.get(f"/api/artists/{world['artist']}/exclusives", headers=who).json() == []
        for exclusive in (gallery["id"], on_artist["id"]):
            r = client.get(f"/api/exclusives/{exclusive}", headers=who)
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
        assert client.get(f"/api/exclusives/{gallery['id']}/images/0", headers=who).status_code == 404
        assert client.get("/api/me/locks", params={"ids": world["track"]}, headers=who).json() == {}
    ours = client.get(f"/api/exclusives/{gallery['id']}", headers=_h(client, "ours"))
    assert ours.status_code == 200 and len(ours.json()["images"]) == 1  # the label's own, still
