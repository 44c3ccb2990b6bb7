"""The export zip: everything about the caller (profile, plays, listens, playlists, likes), nobody else's."""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from encore import billing, library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, submit_listens
from encore.jobs import drain
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login

NOW = datetime.now(UTC)


def test_export_holds_the_callers_data_in_json_and_csv(container: Container) -> None:
    with transaction(container.sessions) as s:
        me = create_user(s, username="exporter", password=PASSWORD)
        other = create_user(s, username="someone", password=PASSWORD)
        band = f.artist(s, "=Formula Band")
        track = f.track(s, "Kept", f.album(s, "Album", band), [band])
        mine = ListenIn(listened_at=datetime(2024, 1, 1, tzinfo=UTC), artist_name="=Formula Band", track_name="Kept")
        theirs = ListenIn(listened_at=datetime(2024, 1, 2, tzinfo=UTC), artist_name="Secret", track_name="Theirs")
        submit_listens(s, user_id=me.id, now=NOW, source="import", listens=[mine])
        submit_listens(s, user_id=other.id, now=NOW, source="import", listens=[theirs])
        playlist = library.create_playlist(s, owner_id=me.id, name="Mine", description="Kept ones", now=NOW)
        library.add_to_playlist(s, playlist_id=playlist.id, user_id=me.id, track_ids=[track.public_id], now=NOW)
        library.create_playlist(s, owner_id=me.id, name="Later", description="=for the road", now=NOW)  # empty
        library.save_items(s, user_id=me.id, kind="track", ids=[track.public_id], now=NOW)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        assert client.get("/api/me/export").status_code == 401
        login(client, "exporter")
        r = client.get("/api/me/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    for table in ("plays", "listens", "playlists", "likes"):
        assert {f"{table}.json", f"{table}.csv"} <= names
    assert json.loads(z.read("profile.json"))["username"] == "exporter"
    plays = json.loads(z.read("plays.json"))
    assert [p["track_name"] for p in plays] == ["Kept"]  # never the other listener's
    assert b"Secret" not in b"".join(z.read(n) for n in names)
    rows = list(csv.DictReader(io.StringIO(z.read("listens.csv").decode())))
    assert rows[0]["artist_name"] == "'=Formula Band"  # no formula injection into spreadsheets
    lists = {row["playlist_name"]: row for row in json.loads(z.read("playlists.json"))}
    assert lists["Mine"]["title"] == "Kept" and lists["Mine"]["playlist_description"] == "Kept ones"
    # An empty playlist is exported too (the probe of session 15 found it missing, and every description).
    assert lists["Later"]["track_id"] is None and lists["Later"]["playlist_description"] == "=for the road"
    later = [r for r in csv.DictReader(io.StringIO(z.read("playlists.csv").decode())) if r["playlist_name"] == "Later"]
    assert len(later) == 1 and later[0]["playlist_description"] == "'=for the road" and later[0]["track_id"] == ""
    assert json.loads(z.read("likes.json"))[0]["kind"] == "track"
    assert "subscription.json" in names


def test_export_job_gives_the_subscription_history_and_public_ids_only(container: Container) -> None:
    """The zip is made by a job the player follows; it names tracks by public id, never Encore's row ids,
    and tells the real subscription history (#18)."""
    with transaction(container.sessions) as s:
        me = create_user(s, username="payer", password=PASSWORD)
        admin = create_user(s, username="boss", password=PASSWORD)
        band = f.artist(s, "Band")
        track = f.track(s, "Played", f.album(s, "Album", band), [band])
        public_id, row_id = track.public_id, track.id
        submit_listens(
            s, user_id=me.id, now=NOW, source="import",
            listens=[ListenIn(listened_at=datetime(2024, 1, 1, tzinfo=UTC), artist_name="Band", track_name="Played")],
        )  # fmt: skip
        (code,) = billing.create_codes(s, admin_id=admin.id, plan="premium-monthly", days=30, count=1, now=NOW)
        billing.redeem_code(s, user_id=me.id, code=code, now=NOW)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        login(client, "payer")
        job = client.post("/api/me/exports", headers={"X-Encore-CSRF": "1"}).json()
        assert job["state"] == "queued"
        assert client.get(f"/api/me/exports/{job['id']}.zip").status_code == 404  # not made yet
        drain(container.jobs)
        done = client.get(f"/api/me/jobs/{job['id']}").json()
        assert done["state"] == "done" and done["done"] == done["total"] == 1
        r = client.get(f"/api/me/exports/{job['id']}.zip")
        login(client, "boss")
        assert client.get(f"/api/me/exports/{job['id']}.zip").status_code == 404  # only the owner's
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    plays = json.loads(z.read("plays.json"))
    assert plays[0]["track"] == public_id and "track_id" not in plays[0]
    assert str(row_id) not in {str(v) for p in plays for v in p.values()}
    history = json.loads(z.read("subscription.json"))
    assert history["subscription"]["plan"] == "premium-monthly" and history["subscription"]["state"] == "active"
    assert history["redeemed_codes"][0]["days"] == 30
    assert code not in z.read("subscription.json").decode()
