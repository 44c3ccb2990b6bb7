"""An hour of mixed use against the demo server, sampling its memory: does it stay under 200 MB and flat?

    .venv/bin/python -m bench.memory.soak [--minutes 60] [--clients 2] [--out var/soak.csv]

Builds the demo (`encore migrate` + `encore demo`: 150 tracks, the demo accounts and their listening) in a
temp folder, serves it with `encore serve` (one process, as shipped) and drives it the way people do, with
a short think time: every page of the player (the shell and the JSON each view asks for), searches as you
type, album, artist, genre and label pages, likes and playlists, Wrapped (a snapshot and its story cards as
PNG), Subsonic browsing, covers and search, stream URLs with a range of audio; and every few minutes an
upload (an admin's), a history import and an export. The server's VmRSS, RssAnon, RssFile and VmHWM are
sampled every --sample-s seconds into --out (CSV), and a summary says the peak, the RSS at each ten
minutes and the growth over the last half (target, issue #16: <= 200 MB, no growth over the last half hour).
"""

import argparse
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

SECRET = "bench-soak-" + "s" * 40
WORDS = ["a", "au", "aur", "aurora", "em", "emilie", "night", "ni", "love", "dre", "dream", "sumer", "gold", "blue m"]
CSRF = {"X-Encore-CSRF": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "ENCORE_MODE": "demo",
        "ENCORE_DATA_DIR": str(data),
        "ENCORE_SECRET_KEY": SECRET,
        "ENCORE_PORT": str(port),
        "ENCORE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }


def _encore(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(Path(sys.executable).parent / "encore"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024  # MiB
    return out


class Person:
    """One listener clicking around; errors are counted, never fatal (a 4xx for a bad guess is normal)."""

    def __init__(self, base: str, username: str, password: str, rng: random.Random) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.rng, self.errors, self.requests = rng, 0, 0
        r = self.http.post("/api/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        self.catalogue = self._catalogue()

    def get(self, path: str, **kw: object) -> httpx.Response:
        r = self.http.get(path, **kw)  # type: ignore[arg-type]
        self.requests += 1
        self.errors += r.status_code >= 500
        return r

    def _catalogue(self) -> dict[str, list[str]]:
        albums = self.get("/api/browse/new-releases", params={"limit": 50}).json()["items"]
        genres = self.get("/api/browse/genres").json()
        labels = self.get("/api/browse/labels").json()
        tracks = [t["id"] for a in albums[:10] for t in self.get(f"/api/albums/{a['id']}").json()["tracks"]]
        artists = [x["id"] for a in albums for x in a["artists"]]
        return {
            "albums": [a["id"] for a in albums],
            "artists": artists,
            "tracks": tracks,
            "genres": [g["key"] for g in genres],
            "labels": [lb["id"] for lb in labels],
        }

    def pick(self, kind: str) -> str:
        return self.rng.choice(self.catalogue[kind] or ["none"])

    def browse(self) -> None:
        album, artist, track, genre = (
            self.pick("albums"),
            self.pick("artists"),
            self.pick("tracks"),
            self.pick("genres"),
        )
        for page in ("/", f"/album/{album}", f"/artist/{artist}", "/search", f"/genre/{genre}", "/library", "/wrapped"):
            self.get(page)
        for path in (
            "/api/me",
            "/api/browse/new-releases",
            "/api/browse/genres",
            f"/api/browse/genres/{genre}",
            f"/api/albums/{album}",
            f"/api/artists/{artist}",
            f"/api/tracks/{track}",
            f"/api/labels/{self.pick('labels')}",
            "/api/me/playlists",
            "/api/me/likes/tracks",
            "/api/browse/artists",
        ):
            self.get(path)
        word = self.rng.choice(WORDS)
        for n in range(1, len(word) + 1):  # as you type
            self.get("/api/search", params={"q": word[:n]})
        self.get("/api/search", params={"q": word, "type": "track", "limit": 50, "offset": 0})

    def like_and_list(self) -> None:
        track = self.pick("tracks")
        self.http.put(f"/api/me/likes/tracks/{track}", headers=CSRF)
        self.http.delete(f"/api/me/likes/tracks/{track}", headers=CSRF)
        made = self.http.post("/api/playlists", json={"name": f"soak {self.rng.randrange(10**6)}"}, headers=CSRF)
        if made.status_code == 201:
            pid = made.json()["id"]
            self.http.post(f"/api/playlists/{pid}/items", json={"track_ids": [track]}, headers=CSRF)
            self.get(f"/api/playlists/{pid}/items")
            self.http.delete(f"/api/playlists/{pid}", headers=CSRF)

    def wrapped(self) -> None:
        periods = self.get("/api/me/wrapped").json().get("periods") or ["2025"]
        period = self.rng.choice(periods)
        self.get(f"/api/me/wrapped/{period}")
        self.get(f"/api/me/wrapped/{period}/cards/{self.rng.randrange(1, 6)}.png")

    def stream(self) -> None:
        track = self.pick("tracks")
        r = self.http.post(f"/api/tracks/{track}/stream", headers=CSRF)
        if r.status_code == 200 and "url" in r.json():
            self.get(r.json()["url"], headers={"Range": "bytes=0-65535"})


class Subsonic:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.auth = {"u": username, "p": password, "v": "1.16.1", "c": "soak", "f": "json"}
        self.requests = 0

    def call(self, method: str, **params: object) -> dict[str, object]:
        self.requests += 1
        body = self.http.get(f"/rest/{method}", params={**self.auth, **params})
        if body.headers.get("content-type", "").startswith("application/json"):
            return dict(body.json().get("subsonic-response", {}))
        return {}

    def browse(self, rng: random.Random) -> None:
        albums = self.call("getAlbumList2", type=rng.choice(["newest", "random", "alphabeticalByName"]), size=20)
        items = albums.get("albumList2", {}).get("album", []) if isinstance(albums.get("albumList2"), dict) else []
        if items:
            album = rng.choice(items)["id"]
            self.call("getAlbum", id=album)
            self.http.get("/rest/getCoverArt", params={**self.auth, "id": album, "size": 300})
        self.call("search3", query=rng.choice(WORDS))
        self.call("getArtists")


def _admin_chores(base: str, library: Path, rng: random.Random) -> int:
    """An upload (a demo file under a new name), a history import and an export; returns requests made."""
    with httpx.Client(base_url=base, timeout=300) as http:
        http.post("/api/auth/login", json={"username": "admin", "password": "demo-admin-pass"}).raise_for_status()
        files = sorted(p for p in library.rglob("*") if p.suffix in (".flac", ".mp3", ".ogg"))
        source = rng.choice(files)
        http.post(
            "/api/uploads",
            files={"file": (f"soak-{rng.randrange(10**9)}{source.suffix}", source.read_bytes())},
            headers=CSRF,
        )
        rows = [
            {
                "ts": f"2025-0{1 + i % 9}-1{i % 9}T12:0{i % 10}:00Z",
                "ms_played": 120_000 + i,
                "master_metadata_track_name": f"Soak Song {rng.randrange(1000)}",
                "master_metadata_album_artist_name": "Soak Artist",
                "master_metadata_album_album_name": "Soak Album",
                "spotify_track_uri": None,
            }
            for i in range(500)
        ]
        http.post(
            "/api/history/import",
            params={"filename": "Streaming_History_Audio_2025.json"},
            content=json.dumps(rows).encode(),
            headers=CSRF,
        )
        export = http.get("/api/export")  # made in the request
        if export.status_code == 200:
            zipfile.ZipFile(io.BytesIO(export.content)).namelist()
        job = http.post("/api/exports", headers=CSRF)  # made by a background job, as the player asks
        if job.status_code == 202:
            job_id = job.json()["id"]
            for _ in range(120):
                if http.get(f"/api/me/jobs/{job_id}").json().get("state") in ("done", "failed"):
                    break
                time.sleep(0.5)
            http.get(f"/api/exports/{job_id}.zip")
    return 7


def _drive(base: str, library: Path, stop: threading.Event, seed: int, counts: list[int], *, chores: bool) -> None:
    rng = random.Random(seed)
    person = Person(base, "demo" if seed % 2 else "premium", "demo-listener" if seed % 2 else "demo-premium", rng)
    sub = Subsonic(base, "premium", "demo-premium")
    last_chores = time.monotonic() - (240 if seed == 0 else 0)
    while not stop.is_set():
        for action in (person.browse, person.like_and_list, person.wrapped, person.stream, lambda: sub.browse(rng)):
            try:
                action()
            except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
                counts[2] += 1  # the script's own surprise (a shape it did not expect): counted, and it goes on
                if counts[2] <= 5:
                    print(f"client error: {type(exc).__name__}: {exc}", flush=True)
        if chores and seed == 0 and time.monotonic() - last_chores >= 300:
            try:
                counts[0] += _admin_chores(base, library, rng)
            except (httpx.HTTPError, ValueError, KeyError, OSError) as exc:
                counts[2] += 1
                print(f"chores error: {type(exc).__name__}: {exc}", flush=True)
            last_chores = time.monotonic()
        counts[0] += person.requests + sub.requests
        counts[1] += person.errors
        person.requests = sub.requests = person.errors = 0
        stop.wait(0.05)


def _summary(samples: list[tuple[float, dict[str, int]]], minutes: float) -> None:
    rss = [(t, s["VmRSS"]) for t, s in samples]
    half = [v for t, v in rss if t >= minutes * 60 / 2]
    marks = {m: next((v for t, v in rss if t >= m * 60), rss[-1][1]) for m in range(0, int(minutes) + 1, 10)}
    first, last = half[: max(len(half) // 6, 1)], half[-max(len(half) // 6, 1) :]
    print(f"\npeak VmRSS {max(v for _, v in rss)} MiB, VmHWM {samples[-1][1]['VmHWM']} MiB")
    print("VmRSS at minute " + ", ".join(f"{m}: {v}" for m, v in marks.items()) + " (MiB)")
    print(
        f"last half: min {min(half)} max {max(half)} MiB; mean of its first sixth {sum(first) / len(first):.1f}, "
        f"of its last sixth {sum(last) / len(last):.1f} MiB"
    )
    end = samples[-1][1]
    print(f"at the end: RssAnon {end['RssAnon']} MiB, RssFile {end['RssFile']} MiB")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--sample-s", type=float, default=10)
    parser.add_argument("--out", type=Path, default=Path("var/soak.csv"))
    parser.add_argument("--data", type=Path, help="a data folder to keep the demo in (built when empty)")
    parser.add_argument("--no-chores", action="store_true", help="no upload, import or export (to tell their share)")
    parser.add_argument(
        "--gc-young-threshold", type=int, help="ENCORE_GC_YOUNG_THRESHOLD for the server (default: the setting's)"
    )
    parser.add_argument("--memtrace", type=Path, help="tracemalloc snapshots of the server into this folder")
    parser.add_argument("--memtrace-every-s", type=float, default=30)
    parser.add_argument("--memtrace-frames", type=int, default=0, help="0: counters only; N: tracemalloc, N frames")
    parser.add_argument("--memtrace-snap-at", default="300,1200", help="seconds to take tracemalloc snapshots at")
    return parser.parse_args()


def main() -> None:
    args = _args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` stops the server too (the finally below)
    root = Path(tempfile.mkdtemp(prefix="encore-soak-"))
    data, port = (args.data or root / "var").resolve(), _free_port()
    env = _env(data, port)
    if args.gc_young_threshold is not None:
        env["ENCORE_GC_YOUNG_THRESHOLD"] = str(args.gc_young_threshold)
    if args.memtrace:  # see encore.cli._serve_memtrace; compare snapshots with bench.memory.tracediff
        env |= {
            "ENCORE_MEMTRACE_DIR": str(args.memtrace.resolve()),
            "ENCORE_MEMTRACE_EVERY_S": str(args.memtrace_every_s),
            "ENCORE_MEMTRACE_FRAMES": str(args.memtrace_frames),
            "ENCORE_MEMTRACE_SNAP_AT": args.memtrace_snap_at,
        }
    if not (data / "encore.db").exists():
        print(f"building the demo in {data} ...", flush=True)
        _encore("migrate", env=env)
        _encore("demo", env=env)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "encore"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(3000):  # up to 10 min: a loaded machine starts the server slowly
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/browse/labels", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    stop, counts = threading.Event(), [0, 0, 0]
    workers = [
        threading.Thread(
            target=_drive,
            args=(base, data / "demo-library", stop, i, counts),
            kwargs={"chores": not args.no_chores},
            daemon=True,
        )
        for i in range(args.clients)
    ]
    samples: list[tuple[float, dict[str, int]]] = []
    started = time.monotonic()
    for w in workers:
        w.start()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with args.out.open("w") as out:
            out.write("seconds,vm_rss_mib,rss_anon_mib,rss_file_mib,vm_hwm_mib,requests,server_errors\n")
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                s = _status(server.pid)
                samples.append((elapsed, s))
                out.write(
                    f"{elapsed:.0f},{s['VmRSS']},{s['RssAnon']},{s['RssFile']},{s['VmHWM']},{counts[0]},{counts[1]}\n"
                )
                out.flush()
                time.sleep(args.sample_s)
        print(
            f"{counts[0]} requests, {counts[1]} server errors (5xx), {counts[2]} client-side surprises in "
            f"{args.minutes:.0f} min; samples in {args.out}"
        )
        _summary(samples, args.minutes)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
