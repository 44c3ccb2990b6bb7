"""probe21b F17: `encore catalog find | withdraw | restore`, the operator's takedown of ingested music, with a
label or without, seen by listeners through the API (404 once withdrawn, 200 once restored)."""

import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from encore import audit
from encore.bootstrap import build
from encore.catalog import Album, Label, Track
from encore.cli import app
from encore.web import create_app
from tests.ingest import corpus as c
from tests.support.postgres import PostgresServer, database_from_template

runner = CliRunner()
PASSWORD = "long-password"


@pytest.fixture(scope="module")
def ingested(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, str]:
    """Two albums ingested from folders by the CLI, once per module and backend: "Wrong Folder" with no label,
    "Notice Served" on the label Gravel (each transcoded: the costly part). The folders' root, a copy of the
    folders, the data dir and the database as they were then, for each test to start from a copy (`env`)."""
    root, data = tmp_path_factory.mktemp("catalog-cli-music"), tmp_path_factory.mktemp("catalog-cli-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENCORE_MODE", "dev")
        mp.setenv("ENCORE_DATA_DIR", str(data / "var"))
        mp.setenv("ENCORE_DATABASE_URL", module_database_url)
        for folder, album, label in (("plain", "Wrong Folder", None), ("gravel", "Notice Served", "Gravel")):
            (root / folder).mkdir()
            for n, hz in enumerate((440, 550), start=1):
                tone = c.tone(1.0, hz + (0 if label is None else 110))
                tags = {"title": f"T{n}", "artist": "Ann 50%", "album": album, "date": "2020-01-01"}
                c.write_flac(root / folder / f"{n}.flac", tone, **tags)
            args = ["ingest", str(root / folder), "--workers", "1"] + (["--label", label] if label else [])
            done = runner.invoke(app, args)
            assert done.exit_code == 0, done.output
        made = runner.invoke(app, ["user", "create", "listener", "--password", PASSWORD])
        assert made.exit_code == 0, made.output
    pristine = tmp_path_factory.mktemp("catalog-cli-pristine")
    for folder in ("plain", "gravel"):
        shutil.copytree(root / folder, pristine / folder)  # copy2: the same bytes and times the rows recorded
    return root, pristine, data, module_database_url


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ingested: tuple[Path, Path, Path, str],
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """Two albums ingested from folders: "Wrong Folder" with no label, "Notice Served" on the label Gravel.

    The module's ingest (`ingested`), copied: its folders put back as they were at the same paths (the ingest
    knows a file by path, size and modification time, and tests edit them), its data dir, and its database (a
    file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL). What a fresh CLI ingest of the same files
    would leave, without the per-test transcodes."""
    root, pristine, data, url = ingested
    for folder in ("plain", "gravel"):
        shutil.rmtree(root / folder)
        shutil.copytree(pristine / folder, root / folder)
    shutil.copytree(data / "var", tmp_path / "var")
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    if url.startswith("sqlite"):
        source = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", tmp_path / f"encore.db{suffix}")
        monkeypatch.setenv("ENCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'encore.db'}")
        yield root
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with database_from_template(server, "t", template=url.rsplit("/", 1)[1]) as copy:
        monkeypatch.setenv("ENCORE_DATABASE_URL", copy)
        yield root


@pytest.fixture
def listen(env: Path) -> Iterator[TestClient]:
    container = build()
    with TestClient(create_app(container), base_url="http://testserver") as client:
        r = client.post("/api/auth/login", json={"username": "listener", "password": PASSWORD})
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        yield client
    container.close()


def _ids() -> dict[str, str]:
    container = build()
    with container.sessions() as s:
        ids: dict[str, str] = dict(s.execute(select(Album.title, Album.public_id)).all())
    container.close()
    return ids


def _answers(client: TestClient, album: str, status: int) -> bool:
    """Whether the album answers `status` to a listener within a few seconds: a running server (here another
    container, as `encore serve` is another process) reads the catalogue's version from the database each second."""
    deadline = time.monotonic() + 5
    while (got := client.get(f"/api/albums/{album}").status_code) != status and time.monotonic() < deadline:
        time.sleep(0.1)
    return got == status


def _said(result_output: str) -> str:
    return " ".join(result_output.split())  # the console wraps long lines


def test_find_lists_id_title_artist_label_status_tracks(env: Path) -> None:
    ids = _ids()
    found = runner.invoke(app, ["catalog", "find", "ann 50"])
    said = _said(found.output)
    assert found.exit_code == 0, found.output
    for title in ("Wrong Folder", "Notice Served"):
        assert ids[title] in said and all(word in said for word in title.split())  # a narrow table wraps titles
    assert "Gravel" in said and "(none)" in said and "published" in said
    by_title = runner.invoke(app, ["catalog", "find", "WRONG"])
    assert ids["Wrong Folder"] in by_title.output and ids["Notice Served"] not in by_title.output
    # LIKE's wildcards are text: "%" matches the artist's own "50%" only, "_" nothing
    assert ids["Wrong Folder"] in runner.invoke(app, ["catalog", "find", "50%"]).output
    assert "No album matches" in runner.invoke(app, ["catalog", "find", "_"]).output
    blank = runner.invoke(app, ["catalog", "find", "   "])
    assert blank.exit_code == 1 and "title or artist" in _said(blank.output)
    long = runner.invoke(app, ["catalog", "find", "x" * 201])
    assert long.exit_code == 1 and "at most 200" in long.output


def test_withdraw_and_restore_an_album_without_a_label(listen: TestClient, env: Path) -> None:
    album = _ids()["Wrong Folder"]
    assert _answers(listen, album, 200)
    done = runner.invoke(app, ["catalog", "withdraw", album, "--reason", "wrong folder ingested"])
    assert done.exit_code == 0 and "Withdrawn" in done.output, done.output
    assert _answers(listen, album, 404)
    assert "taken down" in _said(runner.invoke(app, ["catalog", "find", "Wrong"]).output)
    # the files stay on disk, and an ingest of the unchanged folder (or of its files touched) keeps it withdrawn
    assert runner.invoke(app, ["ingest", str(env / "plain"), "--workers", "1"]).exit_code == 0
    assert _answers(listen, album, 404)
    for f in (env / "plain").iterdir():
        f.touch()
        c.write_flac(
            f,
            c.tone(1.0, 440 if f.name == "1.flac" else 550),
            title=f"{f.stem} retagged",
            album="Wrong Folder",
            artist="Ann 50%",
        )
    assert runner.invoke(app, ["ingest", str(env / "plain"), "--workers", "1"]).exit_code == 0
    assert _answers(listen, album, 404)
    again = runner.invoke(app, ["catalog", "withdraw", album])
    assert again.exit_code == 1 and "already taken down" in _said(again.output)
    back = runner.invoke(app, ["catalog", "restore", album])
    assert back.exit_code == 0 and "Published again" in back.output, back.output
    assert _answers(listen, album, 200)
    twice = runner.invoke(app, ["catalog", "restore", album])
    assert twice.exit_code == 1 and "published already" in _said(twice.output)
    container = build()
    with container.sessions() as s:
        events = audit.list_events(s, where=audit.EventFilter(kind="catalog"))
    container.close()
    seen = sorted((e.kind, e.actor, e.details["by"], e.details.get("reason")) for e in events)
    assert seen == [
        ("catalog.restored", None, "operator", None),
        ("catalog.withdrawn", None, "operator", "wrong folder ingested"),
    ]


@pytest.mark.parametrize("reason", ["takedown notice 2026-12-05", "\U0001f3b5" * 500])
def test_a_labels_release_the_operator_took_down_is_restored(listen: TestClient, reason: str) -> None:
    """With a reason whose escaped JSON passes the audit log's bound (review21c F4: the stored details were cut
    into an escaped string, the withdrawal was not found, and restore blamed the label)."""
    album = _ids()["Notice Served"]
    done = runner.invoke(app, ["catalog", "withdraw", album, "--reason", reason])
    assert done.exit_code == 0, done.output
    assert _answers(listen, album, 404)
    back = runner.invoke(app, ["catalog", "restore", album])
    assert back.exit_code == 0 and "label 'Gravel'" in _said(back.output), back.output
    assert _answers(listen, album, 200)


def _gravel(listen: TestClient) -> tuple[str, dict[str, str]]:
    """The label Gravel's id and the headers of its member fox."""
    made = runner.invoke(app, ["user", "create", "fox", "--password", PASSWORD, "--label", "Gravel"])
    assert made.exit_code == 0, made.output
    container = build()
    with container.sessions() as s:
        label = s.scalar(select(Label.public_id).where(Label.name == "Gravel"))
    container.close()
    assert label is not None
    token = listen.post("/api/auth/login", json={"username": "fox", "password": PASSWORD}).json()["token"]
    return label, {"Authorization": f"Bearer {token}"}


def test_a_takedown_sticks_until_the_operator_restores_it(listen: TestClient, env: Path) -> None:
    """fixleft22a: the label's portal (Publish again) put back a release the operator had taken down."""
    album = _ids()["Notice Served"]
    label, as_label = _gravel(listen)
    url = f"/api/label/{label}/releases/{album}"
    assert runner.invoke(app, ["catalog", "withdraw", album, "--reason", "notice"]).exit_code == 0
    assert "taken down" in _said(runner.invoke(app, ["catalog", "find", "Notice"]).output)
    refused = listen.post(f"{url}/publish", headers=as_label)
    assert refused.status_code == 409, refused.text
    assert "taken down by the operator" in refused.text and "contact them" in refused.text
    assert listen.post(f"{url}/withdraw", headers=as_label).status_code == 409  # not published: nothing to withdraw
    png = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 80, 40)).save(png, "PNG")
    cover = listen.put(f"{url}/cover", files={"file": ("c.png", png.getvalue())}, headers=as_label)
    assert cover.status_code == 409 and cover.json()["error"]["code"] == "taken_down", cover.text  # review22c F2
    # an ingest of the same folder, by the operator, changes nothing either
    again = runner.invoke(app, ["ingest", str(env / "gravel"), "--workers", "1", "--label", "Gravel"])
    assert again.exit_code == 0, again.output
    assert _answers(listen, album, 404)
    assert listen.post(f"{url}/publish", headers=as_label).status_code == 409
    back = runner.invoke(app, ["catalog", "restore", album])
    assert back.exit_code == 0 and "Published again" in back.output, back.output
    assert _answers(listen, album, 200)
    # lifted: the release is the label's again (withdraw, then Publish again)
    assert listen.post(f"{url}/withdraw", headers=as_label).status_code == 200
    assert listen.post(f"{url}/publish", headers=as_label).status_code == 200


def test_a_release_its_label_withdrew_can_be_taken_down_and_stays_withdrawn_once_restored(
    listen: TestClient,
) -> None:
    """A takedown notice for a release its label had withdrawn: without the takedown the label could publish it
    again; restoring lifts the takedown and leaves the label's own withdrawal (not published by the operator)."""
    album = _ids()["Notice Served"]
    label, as_label = _gravel(listen)
    url = f"/api/label/{label}/releases/{album}"
    assert listen.post(f"{url}/withdraw", headers=as_label).status_code == 200
    done = runner.invoke(app, ["catalog", "withdraw", album, "--reason", "notice"])
    assert done.exit_code == 0 and "Withdrawn" in done.output, done.output
    refused = listen.post(f"{url}/publish", headers=as_label)
    assert refused.status_code == 409 and "taken down by the operator" in refused.text
    back = runner.invoke(app, ["catalog", "restore", album])
    said = _said(back.output)
    assert back.exit_code == 0 and "Takedown lifted" in said and "stays withdrawn" in said, back.output
    assert _answers(listen, album, 404)
    assert listen.post(f"{url}/publish", headers=as_label).status_code == 200  # the label's choice again
    assert _answers(listen, album, 200)


def test_a_release_its_label_withdrew_is_not_restored_by_the_operator(listen: TestClient) -> None:
    """Republishing is the label's choice: its portal's Publish again, which the operator does not override."""
    album = _ids()["Notice Served"]
    label, as_label = _gravel(listen)
    # the operator withdrew it and put it back; then the label withdrew it itself
    assert runner.invoke(app, ["catalog", "withdraw", album]).exit_code == 0
    assert runner.invoke(app, ["catalog", "restore", album]).exit_code == 0
    r = listen.post(f"/api/label/{label}/releases/{album}/withdraw", headers=as_label)
    assert r.status_code == 200, r.text
    assert _answers(listen, album, 404)
    refused = runner.invoke(app, ["catalog", "restore", album])
    said = _said(refused.output)
    assert refused.exit_code == 1 and "label 'Gravel' withdrew this release itself" in said
    assert _answers(listen, album, 404)


def test_refusals(env: Path) -> None:
    missing = runner.invoke(app, ["catalog", "withdraw", "no-such-album"])
    assert missing.exit_code == 1 and "no album 'no-such-album'" in _said(missing.output)
    assert runner.invoke(app, ["catalog", "restore", "no-such-album"]).exit_code == 1
    album = _ids()["Wrong Folder"]
    long = runner.invoke(app, ["catalog", "withdraw", album, "--reason", "r" * 501])
    assert long.exit_code == 1 and "at most 500" in _said(long.output)
    container = build()
    with container.sessions() as s:  # nothing happened: still listed
        assert s.scalar(select(Album.status).where(Album.public_id == album)) == "published"
        s.execute(Album.__table__.update().where(Album.public_id == album).values(status="draft"))
        s.commit()
    container.close()
    draft = runner.invoke(app, ["catalog", "withdraw", album])
    assert draft.exit_code == 1 and "draft, listed nowhere already" in _said(draft.output)
    assert "draft" in _said(runner.invoke(app, ["catalog", "restore", album]).output)


def test_retagged_files_of_a_taken_down_release_change_nothing_until_it_is_restored(
    listen: TestClient, env: Path
) -> None:
    """review22m F2: the label's files retagged in place (another album title) and ingested again by the operator
    moved the tracks to a new, published album and deleted the taken-down album's row, its takedown with it: the
    label could then withdraw and publish the new album, and the music streamed."""
    album = _ids()["Notice Served"]
    label, as_label = _gravel(listen)
    assert runner.invoke(app, ["catalog", "withdraw", album, "--reason", "notice"]).exit_code == 0
    tags = {"artist": "Ann 50%", "album": "Notice Served (Deluxe)", "date": "2020-01-01"}
    c.write_flac(env / "gravel" / "2.flac", c.tone(1.0, 660), title="T2 (remaster)", **tags)  # its track's audio
    c.write_flac(env / "gravel" / "3.flac", c.tone(1.0, 880), title="T3", **{**tags, "album": "Notice Served"})
    done = runner.invoke(app, ["ingest", str(env / "gravel"), "--workers", "1", "--label", "Gravel"])
    said = _said(done.output)
    assert done.exit_code == 0, done.output  # meant by the operator: not a failure for cron
    assert "left out (release taken down) │ 2" in said and "Left out: taken down (encore catalog restore" in said
    container = build()
    with container.sessions() as s:
        rows = dict(s.execute(select(Album.title, Album.taken_down_from).where(Album.label_id.is_not(None))).all())
        titles = sorted(s.scalars(select(Track.title).join(Album).where(Album.public_id == album)))
    container.close()
    assert rows == {"Notice Served": "published"} and titles == ["T2"]  # the release left as it was (1.flac is
    # a duplicate of the album without a label's T2)
    assert listen.post(f"/api/label/{label}/releases/{album}/publish", headers=as_label).status_code == 409
    assert _answers(listen, album, 404)
    # restored, the files left out are applied by the next run (they were not recorded as seen)
    assert runner.invoke(app, ["catalog", "restore", album]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(env / "gravel"), "--workers", "1", "--label", "Gravel"])
    said = _said(again.output)
    assert again.exit_code == 0 and "left out (release taken down) │ 0" in said, said
    assert "imported │ 1" in said and "updated │ 1" in said, said
    deluxe = _ids()["Notice Served (Deluxe)"]
    tracks = listen.get(f"/api/albums/{deluxe}").json()["tracks"]
    assert [t["title"] for t in tracks] == ["T2 (remaster)"]
