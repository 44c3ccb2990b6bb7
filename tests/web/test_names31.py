"""Review31a L2 through the faces, on SQLite and PostgreSQL (`client` runs on both): sign-up and Settings took "a" and
99 stacked accents as a display name, and a playlist's name took them too; each drew a tower over the rows around
it wherever it was shown (a public list's "by" line, a Wrapped share page, Subsonic's owner, the admin's table)."""

from fastapi.testclient import TestClient

from tests.web.conftest import login

ZALGO = "a" + "\u0301" * 99
MARKS = "combining marks on one letter"
CSRF = {"X-Encore-CSRF": "1"}


def test_a_tower_of_accents_is_no_display_name_nor_playlist_name(client: TestClient, listener: str) -> None:
    body = {"username": "zalgo31", "password": "correct horse battery 9", "display_name": ZALGO}
    at_signup = client.post("/api/auth/signup", json=body, headers={"X-Forwarded-For": "198.51.100.31"})
    assert at_signup.status_code == 422, at_signup.text  # was 201
    assert MARKS in at_signup.json()["error"]["fields"]["display_name"]
    login(client, listener)
    in_settings = client.patch("/api/me", json={"display_name": ZALGO}, headers=CSRF)
    assert in_settings.status_code == 422, in_settings.text  # was 200
    assert MARKS in in_settings.json()["error"]["fields"]["display_name"]
    assert client.get("/api/me").json()["chosen_display_name"] is None  # nothing refused was kept
    fine = client.patch("/api/me", json={"display_name": "Nguy\u1ec5n Th\u1ecb \u00c1nh"}, headers=CSRF)
    assert fine.status_code == 200, fine.text
    playlist = client.post("/api/playlists", json={"name": ZALGO}, headers=CSRF)
    assert playlist.status_code == 400 and MARKS in playlist.text, playlist.text  # was 201 (400: as a bidi name)
