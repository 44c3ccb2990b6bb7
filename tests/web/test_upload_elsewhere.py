"""review20 F2: a label that uploads audio already on a release not of its own (another label's, a draft
included, or one on no label) is told so, per file, and never that track's id: not in `POST /api/uploads`'s
`track_ids`, not in `POST /api/label/{id}/uploads`'s answer, not in its audit event. Its own audio uploaded again
stays a plain duplicate, with its own id; the operator's upload (admin) is told everything, as before."""

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, User
from encore.audit import AuditEvent
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus, Track, set_release_status
from encore.db import transaction
from encore.ingest import ELSEWHERE, IngestSummary, seen_by_label
from tests.ingest import corpus as c
from tests.web.conftest import login
from tests.web.test_upload_api import CSRF, _user

PASSWORD = "password-123"
_TONE = (1.2, 440)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The same audio under two labels' tags (content decides sameness), and other audio."""
    d = tmp_path_factory.mktemp("elsewhere")
    return {
        "a": c.write_flac(d / "a.flac", c.tone(*_TONE), title="Secret Single", artist="Act A", label="x").read_bytes(),
        "b": c.write_flac(d / "b.flac", c.tone(*_TONE), title="Mine", artist="Act B", label="y").read_bytes(),
        "bare": c.write_flac(d / "n.flac", c.tone(*_TONE), title="No Label", artist="Act N").read_bytes(),
        "other": c.write_flac(d / "o.flac", c.tone(1.2, 660), title="Own", artist="Act B").read_bytes(),
    }


def _as(client: TestClient, name: str) -> None:
    client.cookies.clear()
    login(client, name, PASSWORD)


def _post(client: TestClient, url: str, data: bytes, name: str = "b.flac") -> dict[str, object]:
    r = client.post(url, files={"file": (name, io.BytesIO(data))}, headers=CSRF)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _labels(client: TestClient, container: Container) -> None:
    _user(container, "labela", Role.LABEL, label="Label A")
    _user(container, "labelb", Role.LABEL, label="Label B")


def _told(container: Container, username: str) -> str:
    """Everything the audit log keeps of this account's uploads."""
    with container.sessions() as s:
        actor = s.scalar(select(User.id).where(User.username == username))
        return " ".join(s.scalars(select(AuditEvent.details).where(AuditEvent.actor_id == actor)))


def _tracks(container: Container) -> list[tuple[str, str, str, str | None]]:
    with container.sessions() as s:
        rows = s.scalars(select(Track).order_by(Track.id))
        return [(t.public_id, t.title, t.album.status, t.album.label.name if t.album.label else None) for t in rows]


def test_another_labels_draft_audio_is_refused_without_its_id(
    client: TestClient, container: Container, files: dict[str, bytes]
) -> None:
    _labels(client, container)
    _as(client, "labela")
    theirs = _post(client, "/api/uploads", files["a"], "a.flac")["track_ids"]
    assert isinstance(theirs, list) and len(theirs) == 1
    draft_id = theirs[0]
    _as(client, "labelb")
    r = client.post("/api/uploads", files={"file": ("b.flac", io.BytesIO(files["b"]))}, headers=CSRF)
    assert r.status_code == 200 and draft_id not in r.text, r.text
    body = r.json()
    assert body["track_ids"] == [] and body["imported"] == 0 and body["duplicates"] == 0
    assert body["failed"] == [{"file": "b.flac", "reason": ELSEWHERE}]
    assert "not your label's" in ELSEWHERE and draft_id not in _told(container, "labelb")
    assert _tracks(container) == [(draft_id, "Secret Single", "draft", "Label A")]  # theirs untouched

    # the label's own route, as its dashboard uploads: the same, and no release named
    label_b = client.get("/api/me/label").json()["id"]
    r = client.post(f"/api/label/{label_b}/uploads", files={"file": ("b.flac", io.BytesIO(files["b"]))}, headers=CSRF)
    assert r.status_code == 200 and draft_id not in r.text, r.text
    body = r.json()
    assert (body["imported"], body["duplicates"], body["releases"]) == (0, 0, [])
    assert body["failed"] == [{"file": "b.flac", "reason": ELSEWHERE}]
    assert draft_id not in _told(container, "labelb")


def test_a_published_release_and_one_on_no_label_are_not_named_either(
    client: TestClient, container: Container, files: dict[str, bytes]
) -> None:
    _labels(client, container)
    _user(container, "adm", Role.ADMIN)
    _as(client, "adm")  # the operator's upload of a file tagged with no label: a published release on no label
    orphan = _post(client, "/api/uploads", files["bare"], "n.flac")["track_ids"]
    assert isinstance(orphan, list) and _tracks(container)[0][2:] == ("published", None)
    _as(client, "labelb")
    body = _post(client, "/api/uploads", files["b"])
    assert (body["track_ids"], body["failed"]) == ([], [{"file": "b.flac", "reason": ELSEWHERE}])
    assert orphan[0] not in _told(container, "labelb")
    _as(client, "labela")  # a published release of another label: its id is public, but a label is still not told
    label_a = client.get("/api/me/label").json()["id"]
    published = _post(client, f"/api/label/{label_a}/uploads", files["other"], "o.flac")["releases"]
    assert isinstance(published, list)
    with transaction(container.sessions) as s:
        album = s.scalar(select(Album).where(Album.public_id == published[0]))
        assert album is not None
        set_release_status(s, album=album, status=ReleaseStatus.PUBLISHED)
    _as(client, "labelb")
    body = _post(client, "/api/uploads", files["other"], "o.flac")
    assert (body["track_ids"], body["failed"]) == ([], [{"file": "o.flac", "reason": ELSEWHERE}])

    # the operator uploading the same audio for label B is told which track it is, as `encore ingest` is
    _as(client, "adm")
    r = client.post("/api/uploads", files={"file": ("b.flac", files["b"])}, data={"label": "Label B"}, headers=CSRF)
    assert r.status_code == 200 and r.json()["track_ids"] == orphan and r.json()["duplicates"] == 1


def test_own_audio_again_stays_a_plain_duplicate(
    client: TestClient, container: Container, files: dict[str, bytes]
) -> None:
    _labels(client, container)
    _as(client, "labelb")
    label_b = client.get("/api/me/label").json()["id"]
    first = _post(client, f"/api/label/{label_b}/uploads", files["other"], "o.flac")
    again = _post(client, "/api/uploads", files["other"], "copy.flac")
    assert first["imported"] == 1 and (again["duplicates"], again["failed"]) == (1, [])
    own = [t for t, *_ in _tracks(container)]
    assert again["track_ids"] == own  # its own track: nothing to hide
    again = _post(client, f"/api/label/{label_b}/uploads", files["other"], "o.flac")
    assert (again["duplicates"], again["failed"], again["releases"]) == (1, [], first["releases"])


def test_the_same_file_twice_in_one_request(client: TestClient, container: Container, files: dict[str, bytes]) -> None:
    """Two `file` parts of another label's audio: one file is read, refused the same way, nothing named."""
    _labels(client, container)
    _as(client, "labela")
    draft_id = _post(client, "/api/uploads", files["a"], "a.flac")["track_ids"][0]  # type: ignore[index]
    _as(client, "labelb")
    twice = [("file", ("b.flac", io.BytesIO(files["b"]))), ("file", ("b2.flac", io.BytesIO(files["b"])))]
    r = client.post("/api/uploads", files=twice, headers=CSRF)
    assert r.status_code == 200 and draft_id not in r.text, r.text
    assert [f["reason"] for f in r.json()["failed"]] == [ELSEWHERE] and r.json()["track_ids"] == []
    assert len(_tracks(container)) == 1 and draft_id not in _told(container, "labelb")


def test_seen_by_label_moves_only_the_files_held_elsewhere() -> None:
    summary = IngestSummary(
        imported=1,
        duplicates=2,
        failed=[("bad.mp3", "not a readable audio file")],
        track_ids=["mine", "own-dup", "theirs"],
        elsewhere=[("x.flac", "theirs")],
    )
    seen = seen_by_label(summary)
    assert (seen.imported, seen.duplicates, seen.track_ids, seen.elsewhere) == (1, 1, ["mine", "own-dup"], [])
    assert seen.failed == [("bad.mp3", "not a readable audio file"), ("x.flac", ELSEWHERE)]
    assert summary.track_ids == ["mine", "own-dup", "theirs"]  # the caller's summary is left as it was
    plain = IngestSummary(duplicates=1, track_ids=["own"])
    assert seen_by_label(plain) == plain
