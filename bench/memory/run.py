"""Server memory with the 1M-track catalogue under 200 concurrent streams (plus searches).

    .venv/bin/python -m bench.memory.run --db var/bench-1m.db [--seconds 20]

Adds 16 renditions (4 MiB files) to a copy of the generated catalogue, serves it with `encore serve`,
drives 200 wrk connections of 64 KiB Range requests and a search loop, and samples the server's RSS.
"""

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.search.words import WORDS
from encore.kernel import new_public_id
from encore.streaming import sign_stream_url, stream_key

SECRET = "bench-memory-" + "y" * 40
SIZE = 4 * 1024 * 1024
LUA = """
local paths = {}
for line in io.lines(os.getenv("URLS")) do paths[#paths + 1] = line end
request = function()
  local start = math.random(0, SIZE - 65537)
  return wrk.format("GET", paths[math.random(#paths)], { ["Range"] = "bytes=" .. start .. "-" .. (start + 65535) })
end
""".replace("SIZE", str(SIZE))


def prepare(db: Path, root: Path) -> list[str]:
    data = root / "var"
    (data / "media").mkdir(parents=True)
    shutil.copy(db, data / "encore.db")
    con = sqlite3.connect(data / "encore.db")
    tracks = [row[0] for row in con.execute("SELECT id, public_id FROM tracks ORDER BY id LIMIT 16")]
    ids = []
    for track_id in tracks:
        h = f"{track_id:064x}"
        rel = f"audio/{h[:2]}/{h}.vorbis160.ogg"
        path = data / "media" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(SIZE))
        con.execute(
            "INSERT INTO renditions (track_id, kind, media_path, codec, bitrate, sample_rate, channels, size, sha256)"
            " VALUES (?, 'vorbis160', ?, 'vorbis', 160000, 44100, 2, ?, ?)",
            (track_id, rel, SIZE, "0" * 64),
        )
        ids.append(con.execute("SELECT public_id FROM tracks WHERE id = ?", (track_id,)).fetchone()[0])
    con.commit()
    con.close()
    return ids


LAST: dict[str, int] = {}


def rss_kb(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
    values = {ln.split(":")[0]: int(ln.split()[1]) for ln in status.splitlines() if ln.startswith(fields)}
    LAST.update(values)
    return values["VmRSS"], values["VmHWM"]


def _search_loop(base: str, stop: threading.Event, searches: list[int], failed: list[int], varied: bool) -> None:
    # A generous timeout, and a slow answer counted rather than fatal: under 200 streams on a loaded
    # machine the first searches of 1M tracks took longer than httpx's 5 s and ended the loop (0 searches).
    with httpx.Client(base_url=base, timeout=120) as client:
        words = ["lo", "love", "nig", "dream", "gold ci", "silver", "ka", "mo", "moon", "st", "star"]
        if varied:  # every word of the generator's vocabulary, as typed: fills the search caches
            words = [w[:n] for w in WORDS for n in range(2, len(w) + 1)]
            random.Random(7).shuffle(words)
        while not stop.is_set():
            try:
                client.get("/api/search", params={"q": words[(searches[0] + failed[0]) % len(words)]})
                searches[0] += 1
            except httpx.HTTPError:
                failed[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--varied", action="store_true", help="search every vocabulary word as typed (cache fill)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="encore-mem-bench-"))
    ids = prepare(args.db.resolve(), root)
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "ENCORE_MODE": "dev", "ENCORE_DATA_DIR": str(root / "var"), "ENCORE_SECRET_KEY": SECRET}
    encore = str(Path(sys.executable).parent / "encore")
    server = subprocess.Popen(
        ["taskset", "-c", "0", encore, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/api/browse/labels")
            break
        except httpx.TransportError:
            time.sleep(0.1)
    idle = rss_kb(server.pid)
    user, key = new_public_id(), stream_key(SECRET)
    urls = root / "urls.txt"
    urls.write_text(
        "\n".join(
            sign_stream_url(key=key, user=user, track=t, rendition="vorbis160", expires=int(time.time()) + 3600).path
            for t in ids
        )
        + "\n"
    )
    (root / "mem.lua").write_text(LUA)
    stop = threading.Event()
    searches, failed = [0], [0]

    threading.Thread(target=_search_loop, args=(base, stop, searches, failed, args.varied), daemon=True).start()
    load = subprocess.Popen(
        ["taskset", "-c", "1", "wrk", "-t1", "-c200", f"-d{args.seconds}s", "-s", str(root / "mem.lua"), base],
        env={**os.environ, "URLS": str(urls)},
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while load.poll() is None:
        peak = max(peak, rss_kb(server.pid)[0])
        time.sleep(0.2)
    stop.set()
    out = load.stdout.read() if load.stdout else ""
    hwm = rss_kb(server.pid)[1]
    split = f"at the end: anonymous {LAST['RssAnon'] / 1024:.0f} MB, file-backed (page cache, mmap) {LAST['RssFile'] / 1024:.0f} MB"
    server.terminate()
    server.wait(timeout=10)
    rps = next((ln.split()[-1] for ln in out.splitlines() if ln.startswith("Requests/sec")), "?")
    print(f"Command: .venv/bin/python -m bench.memory.run --db {args.db} --seconds {args.seconds}")
    print(
        f"idle RSS {idle[0] / 1024:.0f} MB; under load: sampled peak RSS {peak / 1024:.0f} MB, VmHWM {hwm / 1024:.0f} MB;"
        f" {rps} stream req/s over 200 connections; {searches[0]} searches alongside ({failed[0]} timed out); {split}"
    )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
