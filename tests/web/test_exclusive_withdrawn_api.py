"""An exclusive locks its track while it stands, and only then (probe20 F2). A label made a "demo" and a
pre-release of an ordinary public track (the portal offers every track of a published album), withdrew them, and
the track stayed Premium-only for good: the label's catalogue said nothing, a new exclusive on it was refused and
setting it public did not help. Through the API, at each step, the stream decision, the player's lock hint and
the label's catalogue must say the same thing; a pre-release's date is after now and within two years; another
label's track or exclusive looks missing."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Label
from encore.db import transaction
from encore.exclusives import Exclusive
from encore.kernel import FixedClock
from tests.labels.world import AFTER, build
from tests.support.media import add_rendition
from tests.web.conftest import login


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


@pytest.fixture
def world(container: Container) -> dict[str, str]:
    container.clock = FixedClock(AFTER)
    with transaction(container.sessions) as s:
        w = build(s)
        add_rendition(container, s, w.a)
        add_rendition(container, s, w.b)
        return {
            "label": s.get_one(Label, w.ours_label_id).public_id,
            "album": w.a.album.public_id,
            "track": w.a.public_id,
            "theirs_track": w.b.public_id,
        }


def _free(client: TestClient, track: str) -> str:
    """What a free listener is told about `track`: the stream's answer, which the player's lock hint must match."""
    free = _h(client, "free")
    r = client.post(f"/api/tracks/{track}/stream", json={}, headers=free)
    said = "playable" if r.status_code == 200 else r.json()["error"]["code"]
    locks = client.get("/api/me/locks", params={"ids": track}, headers=free).json()
    hint = locks[track]["reason"] if track in locks else "playable"
    assert hint == said, f"the player's hint says {hint}, the stream {said}"
    return said


def _label_track(client: TestClient, world: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"/api/label/{world['label']}/albums/{world['album']}", headers=_h(client, "ours"))
    assert r.status_code == 200
    track: dict[str, Any] = next(t for t in r.json()["tracks"] if t["id"] == world["track"])
    return track


def _add(client: TestClient, track: str, *, who: str = "ours", **extra: object) -> Any:
    body = {"kind": "demo", "title": "Demo take", "album_id": None, "track_id": track, **extra}
    return client.post("/api/label/exclusives", json=body, headers=_h(client, who))


def _add_ours(client: TestClient, world: dict[str, str], **extra: object) -> Any:
    return _add(client, world["track"], album_id=world["album"], **extra)


def _withdraw(client: TestClient, world: dict[str, str], exclusive: str, who: str = "ours") -> int:
    url = f"/api/label/{world['label']}/exclusives/{exclusive}"
    return client.delete(url, headers=_h(client, who)).status_code


def test_a_demo_of_a_public_track_locks_it_while_it_stands_and_withdrawing_gives_it_back(
    client: TestClient, world: dict[str, str]
) -> None:
    assert _free(client, world["track"]) == "playable"
    assert _label_track(client, world)["exclusive"] is None
    r = _add_ours(client, world)
    assert r.status_code == 201, r.text
    demo = r.json()
    assert demo["audio"]["track_id"] == world["track"]
    assert demo["audio"]["catalogue_availability"] == "public"  # the label is told free listeners get it back
    assert _free(client, world["track"]) == "premium_required"
    shown = _label_track(client, world)
    assert shown["exclusive"]["id"] == demo["id"] and shown["exclusive"]["availability"] == "premium"
    # Setting the track public does not lift an exclusive's lock, and the label's answer says so.
    put = client.put(
        f"/api/label/{world['label']}/tracks/{world['track']}/availability",
        json={"availability": "public"},
        headers=_h(client, "ours"),
    )
    track = next(t for t in put.json()["tracks"] if t["id"] == world["track"])
    assert track["availability"] == "public" and track["exclusive"]["id"] == demo["id"]
    assert _free(client, world["track"]) == "premium_required"
    assert _withdraw(client, world, demo["id"]) == 204
    assert _free(client, world["track"]) == "playable"
    assert _label_track(client, world)["exclusive"] is None
    assert client.get(f"/api/exclusives/{demo['id']}", headers=_h(client, "sub1")).status_code == 404
    again = _add_ours(client, world, title="Demo take 2")  # was 409 track_has_exclusive for good
    assert again.status_code == 201, again.text
    assert _free(client, world["track"]) == "premium_required"
    assert _label_track(client, world)["exclusive"]["id"] == again.json()["id"]


def test_a_prerelease_withdrawn_before_its_date_opens_its_track(client: TestClient, world: dict[str, str]) -> None:
    opens = AFTER + timedelta(days=30)
    r = _add_ours(client, world, kind="prerelease", availability="prerelease", release_at=opens.isoformat())
    assert r.status_code == 201, r.text
    assert _free(client, world["track"]) == "premium_required_prerelease"
    locks = client.get("/api/me/locks", params={"ids": world["track"]}, headers=_h(client, "free")).json()
    assert locks[world["track"]]["release_at"].startswith(opens.date().isoformat())
    assert _label_track(client, world)["exclusive"]["release_at"].startswith(opens.date().isoformat())
    assert _withdraw(client, world, r.json()["id"]) == 204
    assert _free(client, world["track"]) == "playable"


def test_audio_on_a_premium_release_stays_premium_after_its_exclusive_is_withdrawn(
    client: TestClient, world: dict[str, str]
) -> None:
    ours = _h(client, "ours")
    url = f"/api/label/{world['label']}/albums/{world['album']}/availability"
    assert client.put(url, json={"availability": "premium"}, headers=ours).status_code == 200
    r = _add_ours(client, world)
    assert r.status_code == 201 and r.json()["audio"]["catalogue_availability"] == "premium"
    assert _withdraw(client, world, r.json()["id"]) == 204
    assert _free(client, world["track"]) == "premium_required"  # as the label's catalogue says: Premium
    album = client.get(f"/api/label/{world['label']}/albums/{world['album']}", headers=ours).json()
    assert album["availability"] == "premium" and all(t["exclusive"] is None for t in album["tracks"])


def test_a_track_held_by_an_exclusive_withdrawn_before_this_fix_is_free_again_and_can_be_reused(
    client: TestClient, world: dict[str, str], container: Container
) -> None:
    """Rows the old code left: withdrawn, still naming their track (the lock stayed, a new one was a 409)."""
    first = _add_ours(client, world).json()["id"]
    with transaction(container.sessions) as s:
        s.scalars(select(Exclusive).where(Exclusive.public_id == first)).one().withdrawn_at = AFTER
    assert _free(client, world["track"]) == "playable"
    assert _add_ours(client, world, title="Second take").status_code == 201
    with container.sessions() as s:
        old = s.scalars(select(Exclusive).where(Exclusive.public_id == first)).one()
        assert old.track_id is None and old.withdrawn_at is not None  # let go of the track; still withdrawn


def test_a_standing_exclusive_still_holds_its_track(client: TestClient, world: dict[str, str]) -> None:
    assert _add_ours(client, world).status_code == 201
    r = _add_ours(client, world, title="Another")
    assert r.status_code == 409 and r.json()["error"]["code"] == "track_has_exclusive"


def test_another_labels_track_and_exclusive_look_missing(client: TestClient, world: dict[str, str]) -> None:
    """Theirs may not lock our track (nor withdraw our exclusive); we may not lock theirs."""
    theirs_label = client.get("/api/me/label", headers=_h(client, "theirs")).json()["id"]
    catalogue = client.get(f"/api/label/{theirs_label}/catalogue", headers=_h(client, "theirs")).json()
    r = _add(client, world["track"], who="theirs", album_id=catalogue[0]["id"])
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert _free(client, world["track"]) == "playable"
    r = _add_ours(client, world, track_id=world["theirs_track"])
    assert r.status_code == 404
    assert _free(client, world["theirs_track"]) == "playable"
    ours = _add_ours(client, world).json()["id"]
    theirs_url = f"/api/label/{theirs_label}/exclusives/{ours}"
    assert client.delete(theirs_url, headers=_h(client, "theirs")).status_code == 404
    assert _free(client, world["track"]) == "premium_required"  # still ours, still standing


PAST = (AFTER - timedelta(minutes=1)).isoformat()
TOO_FAR = "2999-01-01T00:00:00Z"
JUST_TOO_FAR = (AFTER + timedelta(days=731)).isoformat()


@pytest.mark.parametrize(
    ("release_at", "status", "code"),
    [
        (PAST, 400, "release_at_past"),
        (AFTER.isoformat(), 400, "release_at_past"),  # now is not the future
        (TOO_FAR, 400, "release_at_too_far"),
        (JUST_TOO_FAR, 400, "release_at_too_far"),
        ("not a date", 422, None),
        ("2027-02-30T00:00:00Z", 422, None),
        ("2027-01-01T00:00:00", 422, None),  # no zone: which midnight?
        (None, 400, "release_at_required"),
    ],
    ids=["past", "now", "2999", "731-days", "words", "feb-30", "naive", "missing"],
)
def test_a_prereleases_date_is_after_now_and_within_two_years(
    client: TestClient, world: dict[str, str], release_at: str | None, status: int, code: str | None
) -> None:
    extra: dict[str, object] = {"kind": "prerelease", "availability": "prerelease"}
    if release_at is not None:
        extra["release_at"] = release_at
    r = _add_ours(client, world, **extra)
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["error"]["code"] == code
    assert _free(client, world["track"]) == "playable"  # nothing was locked


def test_a_prerelease_two_years_out_is_accepted(client: TestClient, world: dict[str, str]) -> None:
    opens = AFTER + timedelta(days=730)
    r = _add_ours(client, world, kind="prerelease", availability="prerelease", release_at=opens.isoformat())
    assert r.status_code == 201, r.text
