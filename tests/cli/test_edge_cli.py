"""Edge mode counts too, with Debian's nginx serving a Premium listener's audio from the generated config:
its access log of bytes sent per signed URL becomes verified streams through `encore edge ingest-log`
(re-reading adds nothing; forged lines are ignored and counted), and the edge secret follows `encore keys
rotate` (nginx accepts the old and the new key during the grace period, only the new one after)."""

import gzip
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from encore import labels
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Rendition
from encore.cli import app
from encore.cli._edge import edge_secrets
from encore.db import transaction
from encore.kernel import new_public_id
from encore.playback import VerifiedStream
from encore.streaming import issue_stream_url, render_nginx_config, sign_edge_url
from tests.catalog import factories as f
from tests.conftest import IN_CI
from tests.support.live import free_port
from tests.support.migrate import migrated_sqlite
from tests.support.nginx import NGINX, nginx_user, run_nginx

runner = CliRunner()
SONG_MS = 60_000
AUDIO = b"OggS" + bytes(600 * 1024 - 4)  # 60 s of audio: 10 KiB a second
BLOCK = 64 * 1024


@dataclass
class Edge:
    root: Path  # nginx's prefix: edge.log is here
    front: str
    track: str
    user: str
    media_path: str


def _config(c: Container, port: int) -> str:
    live = edge_secrets(c, live_only=True)
    first = live.pop("", None)
    return render_nginx_config(
        listen=f"127.0.0.1:{port}",
        media_root=c.store.root,
        edge_secret=None if first is None else first.secret,
        edge_secrets={int(kid): s.secret for kid, s in live.items()},
        upstream=None,
        user=nginx_user(),
        worker_processes=1,
    )


def _url(c: Container, edge: Edge) -> str:
    settings = c.settings.model_copy(update={"streaming_mode": "edge", "edge_base_url": edge.front})
    with c.sessions() as s:
        issued = issue_stream_url(
            s,
            settings=settings,
            user_public_id=edge.user,
            track_public_id=edge.track,
            requested=None,
            data_saver=False,
            now=c.clock.now(),
            keyring=c.keyring.refresh(),
        )
    return issued.url


def _verified(c: Container) -> int:
    with c.sessions() as s:
        return s.scalar(select(func.count()).select_from(VerifiedStream)) or 0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[Container, Path]]:
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail("nginx is required in CI")
        pytest.skip("nginx is not installed: edge-mode test SKIPPED (make test installs it as root)")
    work = tmp_path_factory.mktemp("edge-cli")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ENCORE_MODE", "dev")
        env.setenv("ENCORE_DATA_DIR", str(work / "var"))
        env.delenv("ENCORE_DATABASE_URL", raising=False)
        env.delenv("ENCORE_REDIS_URL", raising=False)
        migrated_sqlite(sqlite_template, work / "var" / "encore.db")
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        c = build()
        try:
            yield c, work
        finally:
            c.close()


@pytest.fixture(scope="module")
def edge(site: tuple[Container, Path]) -> Edge:
    """A listener, and a 60 s song stored as ingest stores files (named by their hash, as nginx expects);
    nginx serves 35 s of it to them in a player's 64 KiB ranges, and logs each response."""
    c, work = site
    digest = hashlib.sha256(AUDIO).hexdigest()
    media_path = f"audio/{digest[:2]}/{digest}.vorbis160.ogg"
    with transaction(c.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1, duration_ms=SONG_MS)
        temp = c.store.new_temp_path()
        temp.write_bytes(AUDIO)
        c.store.commit(temp, media_path)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path=media_path, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=len(AUDIO), sha256=digest,
            )
        )  # fmt: skip
        made = Edge(work / "nginx", "", song.public_id, fan.public_id, media_path)
    made.root.mkdir()
    port = free_port()
    made.front = f"http://127.0.0.1:{port}"
    with run_nginx(_config(c, port), made.root):
        url = _url(c, made)
        assert url.startswith(f"{made.front}/edge/{made.user}/")
        with httpx.Client(timeout=30) as http:
            for start in range(0, 35 * 10 * 1024, BLOCK):
                r = http.get(url, headers={"Range": f"bytes={start}-{start + BLOCK - 1}"})
                assert r.status_code == 206 and r.content == AUDIO[start : start + BLOCK]
    return made


@pytest.fixture(autouse=True)
def _env(site: tuple[Container, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's settings, again for each test (tests/conftest.py clears ENCORE_* around every test)."""
    _c, work = site
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(work / "var"))


def _ingest(*files: Path) -> str:
    result = runner.invoke(app, ["edge", "ingest-log", *map(str, files)])
    assert result.exit_code == 0, result.output
    return result.output


def test_35_seconds_through_nginx_is_one_verified_stream_and_forged_lines_are_not(
    site: tuple[Container, Path], edge: Edge
) -> None:
    c, _work = site
    root = edge.root
    log = root / "edge.log"
    lines = log.read_text().splitlines()
    assert len(lines) == 6 and json.loads(lines[0])["sent"] == str(BLOCK)
    assert _verified(c) == 0  # nothing counts until the log is read
    first = _ingest(log)
    assert "6 lines: 6 edge responses counted, 1 verified streams recorded, 0 ignored" in first, first
    assert _verified(c) == 1
    again = _ingest(log)  # re-reading the same log adds nothing
    assert "0 verified streams recorded" in again and _verified(c) == 1

    real = json.loads(lines[0])
    forged_sig = {**real, "md5": "A" * 22, "t": f"{time.time():.3f}"}  # a made-up signature
    nobody = new_public_id()  # a validly signed URL of a listener Encore does not know
    expires = int(real["expires"])
    secret = edge_secrets(c, live_only=True)[real.get("k", "")].secret
    signed = sign_edge_url(secret=secret, user=nobody, media_path=edge.media_path, expires=expires).path
    unknown = {**real, "uri": signed.split("?")[0], "md5": signed.split("md5=")[1].split("&")[0]}
    forged = root / "forged.log"
    forged.write_text("\n".join(json.dumps(x) for x in (forged_sig, unknown)) + '\n{"t": "cut sh')
    report = _ingest(forged)
    assert "bad_signature: 1" in report and "unknown_token: 1" in report and "malformed: 1" in report, report
    assert _verified(c) == 1


def test_a_file_with_no_readable_line_exits_non_zero(site: tuple[Container, Path], edge: Edge) -> None:
    """probe21b F11: 2 MB of random bytes (a gzipped log read as text) was "7901 ignored, malformed", exit 0, so
    cron never heard that streams went uncounted. A file with lines but none readable now exits 1 naming it,
    and the good files beside it still count; a compressed rotation is read through gzip; a few bad lines in a
    good log stay a count in the report with exit 0 (the forged test above)."""
    _c, work = site
    log = edge.root / "edge.log"
    noise = work / "noise.log"
    noise.write_bytes(os.urandom(200_000).replace(b"\n", b"\r") + b"\n" + os.urandom(1000) + b"\n")
    result = runner.invoke(app, ["edge", "ingest-log", str(log), str(noise)])
    assert result.exit_code == 1, result.output
    assert f"{noise}:" in result.stderr and "no line of it is an nginx edge log line" in result.stderr
    assert "6 edge responses counted" in result.stdout  # the real log beside it was still read

    packed = work / "edge.log.2.gz"
    packed.write_bytes(gzip.compress(log.read_bytes()))
    result = runner.invoke(app, ["edge", "ingest-log", str(packed)])
    assert result.exit_code == 0 and "6 lines: 6 edge responses counted" in result.stdout, result.output
    cut = work / "edge.log.3.gz"
    cut.write_bytes(packed.read_bytes()[:-12])  # a compressed log cut short: its end (and checksum) lost
    result = runner.invoke(app, ["edge", "ingest-log", str(cut)])
    assert result.exit_code == 1 and f"{cut}:" in result.stderr and "unreadable after line" in result.stderr
    empty = work / "empty.log"  # nothing served since the last rotation: not an error
    empty.write_text("")
    assert runner.invoke(app, ["edge", "ingest-log", str(empty)]).exit_code == 0


def test_a_missing_file_is_named_and_the_others_are_still_read(site: tuple[Container, Path], edge: Edge) -> None:
    """probe25b L2: `ingest-log edge.log.1 edge.log` before the first rotation (deploy.md's postrotate line, copied
    into cron) was a usage error, exit 2, and edge.log was not read: no stream counted until logrotate ran once."""
    _c, work = site
    log = edge.root / "edge.log"
    lines = json.loads(log.read_text().splitlines()[0])
    assert "rt" in lines and float(lines["rt"]) >= 0  # nginx logs how long each response took (review25m F4)
    missing = work / "never-rotated" / "edge.log.1"
    result = runner.invoke(app, ["edge", "ingest-log", str(missing), str(log)])
    assert result.exit_code == 1, result.output  # cron hears of it
    assert f"{missing}:" in result.stderr and "does not exist" in result.stderr, result.stderr
    assert "6 lines: 6 edge responses counted" in result.stdout, result.stdout  # edge.log was read


def test_a_play_split_by_a_log_rotation_counts_once_when_both_files_are_read(
    site: tuple[Container, Path], edge: Edge
) -> None:
    c, work = site
    lines = [json.loads(x) for x in (edge.root / "edge.log").read_text().splitlines()]
    later = time.time() + 3 * SONG_MS / 1000  # a new play of the song, after the first one's window
    for n, line in enumerate(lines):
        line["t"] = f"{later + n:.3f}"
    old, new = work / "edge.log.1", work / "edge.log.2"
    old.write_text("".join(json.dumps(x) + "\n" for x in lines[:3]))  # 3 x 64 KiB: under 30 s
    new.write_text("".join(json.dumps(x) + "\n" for x in lines[3:]))
    _ingest(edge.root / "edge.log")  # the first play, counted already or now
    before = _verified(c)
    assert "0 verified" in _ingest(old)
    assert "1 verified" in _ingest(old, new)
    assert "0 verified" in _ingest(old, new)
    assert _verified(c) == before + 1


def _reload(root: Path, config: str, front: str, *, kid: int, secret: str) -> None:
    """What the operator does after a rotation: the config written again and nginx reloaded (nginx -s reload),
    waited for until nginx accepts key `kid`."""
    (root / "nginx.conf").write_text(config)
    conf = str(root / "nginx.conf")
    subprocess.run([NGINX, "-p", str(root), "-c", conf, "-e", str(root / "startup.log"), "-s", "reload"], check=True)
    probe = sign_edge_url(
        secret=secret, user="0" * 22, media_path=f"audio/00/{'0' * 64}.probe.ogg", expires=2**31, kid=kid
    )
    in_a_row = 0  # an old worker may still take a new connection for a moment after the reload: several in a row
    for _ in range(400):
        in_a_row = in_a_row + 1 if httpx.get(front + probe.path).status_code == 404 else 0
        if in_a_row == 10:
            return
        time.sleep(0.02)
    pytest.fail("nginx did not take the new config")


def _status(front: str, url: str, base: str) -> int:
    return httpx.get(front + url.removeprefix(base), headers={"Range": "bytes=0-99"}).status_code


def test_a_rotation_never_makes_the_running_nginx_refuse_new_urls(
    site: tuple[Container, Path], edge: Edge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """probe21b F1: within 30 s of `encore keys rotate`, new Premium URLs carried `&k=1`, which the running nginx
    did not know: 403 for every new stream until the operator reloaded nginx. Now edge URLs stay signed with the
    key nginx accepts until `encore keys edge-ready` sees nginx accept the new one (refused before the reload);
    with `--grace 0` (a leaked key) Encore's own byte path serves until then, and rotate says to reload now."""
    c, work = site
    root = work / "nginx-rotation"
    root.mkdir()
    port = free_port()
    front = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("ENCORE_STREAMING_MODE", "edge")
    monkeypatch.setenv("ENCORE_EDGE_BASE_URL", front)
    with run_nginx(_config(c, port), root):
        old_url = _url(c, edge)  # signed with the first key (no k)
        rotated = runner.invoke(app, ["keys", "rotate", "--grace", "3600"])
        assert rotated.exit_code == 0 and "Key 1 is current" in rotated.stdout, rotated.output
        assert "does not know key 1 yet" in rotated.stdout and "encore keys edge-ready" in rotated.stdout
        assert "--output" in rotated.stdout and "-s reload" in rotated.stdout
        new_url = _url(c, edge)
        assert "&k=" not in new_url and new_url.startswith(edge.front + "/edge/")
        assert _status(front, new_url, edge.front) == 206  # the running nginx, not reloaded: it plays

        early = runner.invoke(app, ["keys", "edge-ready"])  # before the reload: refused, nothing changes
        assert early.exit_code == 1 and "refuses it (403)" in early.stderr, early.output
        assert "&k=" not in _url(c, edge)

        written = runner.invoke(app, ["nginx-config", "--output", str(work / "rotated.conf")])
        assert written.exit_code == 0 and "encore keys edge-ready" in written.stderr
        secret = edge_secrets(c, live_only=True)["1"].secret
        _reload(root, _config(c, port), front, kid=1, secret=secret)
        ready = runner.invoke(app, ["keys", "edge-ready"])
        assert ready.exit_code == 0 and "Edge URLs use key 1" in ready.stdout, ready.output
        signed_1 = _url(c, edge)
        assert "&k=1" in signed_1 and _status(front, signed_1, edge.front) == 206
        assert _status(front, old_url, edge.front) == 206  # the grace period: the old key's URLs still play
        assert httpx.get(front + signed_1.removeprefix(edge.front).replace("&k=1", "&k=7")).status_code == 403
        assert httpx.get(front + signed_1.removeprefix(edge.front).replace("&k=1", "")).status_code == 403
        assert runner.invoke(app, ["keys", "edge-ready"]).stdout.startswith("Nothing to do")

        leaked = runner.invoke(app, ["keys", "rotate", "--grace", "0"])  # both earlier keys retire now
        assert leaked.exit_code == 0 and "stopped counting now" in leaked.stdout and "do it now" in leaked.stdout
        assert "Encore nodes send Premium audio themselves" in leaked.stdout
        assert "4. after" not in leaked.stdout and "4. after" in rotated.stdout  # nothing left to retire later
        meanwhile = _url(c, edge)  # no key nginx holds still counts: Encore's byte path, never a refused URL
        assert meanwhile.startswith("/stream/") and "&k=2" in meanwhile
        _reload(root, _config(c, port), front, kid=2, secret=edge_secrets(c, live_only=True)["2"].secret)
        assert runner.invoke(app, ["keys", "edge-ready"]).exit_code == 0
        newest = _url(c, edge)
        assert "&k=2" in newest and _status(front, newest, edge.front) == 206
        assert _status(front, old_url, edge.front) == 403 and _status(front, signed_1, edge.front) == 403


def test_streams_of_a_closed_month_are_refused_with_a_clear_message(site: tuple[Container, Path], edge: Edge) -> None:
    """review21 F3: an edge log read after its month's statement was closed wrote streams the label's chart
    showed and no statement paid. They are now not recorded, and the operator is told which month, and why."""
    c, work = site
    lines = [json.loads(x) for x in (edge.root / "edge.log").read_text().splitlines()]
    start, _end = labels.month_bounds(f"{c.clock.now() - timedelta(days=62):%Y-%m}")
    then = (start + timedelta(days=3)).timestamp()  # a play two months back, in a log read only now
    for n, line in enumerate(lines):
        line["t"] = f"{then + n:.3f}"
    late = work / "late.log"
    late.write_text("".join(json.dumps(x) + "\n" for x in lines))
    month = f"{start:%Y-%m}"
    with transaction(c.sessions) as s:
        admin = create_user(s, username=f"root{new_public_id()[:6]}", password="root-password-1").id
        labels.close_month(s, month=month, terms=labels.Terms(50, "usd"), admin_id=admin, now=c.clock.now())
    before = _verified(c)
    result = runner.invoke(app, ["edge", "ingest-log", str(late)])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "0 verified streams recorded" in said and f"1 verified stream(s) of {month} not recorded" in said, said
    assert "its royalty statement is closed and final" in said
    assert _verified(c) == before
