"""The tailer of a log-charged free edge (bench only, issue #14, logedge22): reads nginx's edge log
(bench/stream/edge_log_conf.py) and charges each free response's bytes to the listener's ad clock after the
fact, with Encore's own charge script, keys and argument order.

Per line: Encore's `parse_edge_line` (the line as `encore edge ingest-log` reads it: the bytes nginx sent and
where they start), `f` read from the line's end (the user id, track, size, duration and sign-out generation
the URL signed), then `CHARGE` with `PlayTap`'s keys, `RedisState.run`'s TTLs and `charge_args`' order,
**ungated and unpaced** (the bytes were sent: nothing is held, nothing refused), dated at the line's time.
Lines go to Redis in pipelines of `--batch` (packed by hand: bench/stream/edge_log_resp.py); with `--merge`, a
batch's ranges of one play are first united into contiguous spans, one CHARGE each (the stored spans and
clock are the same: `add_span` merges touching spans; only a seek's date can differ). A reply that dirtied the clock is pushed to `adclock:dirty` as
`PlayTap.acharge` does; a reply STOP (an ad is owed) reads the clock once and blocks, in nginx's shared dict,
each play `may_send` refuses (`p:<user id>.<track> ad_break_due`). Each batch also asks `ALIVE` once per
listener and URL generation seen, and blocks a signed-out listener (`u:<user public id> signed_out`).

The file offset of the last charged line is written to `--status` with the counts after each chunk: a tailer
restarted with `--resume` starts there (CHARGE is idempotent on spans: a line charged twice adds nothing).

    python -m bench.stream.edge_log_tail --log edge.log --redis /path/redis.sock --prefix p: --limit-ms N \
        --ttl-ms N --control /path/ctl.sock --status status.json [--merge] [--batch 1000] [--tick 0.2]
    (or --syslog /path/log.sock instead of --log: nginx's `syslog:server=unix:` datagrams)
"""

import argparse
import json
import signal
import socket
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis

from bench.stream.edge_log_resp import Pipe
from encore.accounts._epochs import _EVERYONE, ALIVE, _cut_key
from encore.playback import EdgeHit, parse_edge_line
from encore.playback._charge import CHARGE, STOP, charge_args, may_send
from encore.playback._clockdoc import DIRTY, clock_key, spans_key
from encore.playback._clockstate import to_us

_F = '"f":"'


class Charge:
    """One span to charge: [start, end) of `size` bytes of `rendition` of `track`, played by `uid`."""

    __slots__ = ("end", "gen", "rendition", "size", "start", "t_us", "track", "uid", "user")

    def __init__(  # noqa: PLR0917 - the span's coordinates
        self, uid: int, user: str, gen: int, track: str, rendition: str, size: int, start: int, end: int, t_us: int
    ) -> None:
        self.uid, self.user, self.gen, self.track, self.rendition = uid, user, gen, track, rendition
        self.size, self.start, self.end, self.t_us = size, start, end, t_us


def charge_of(line: str) -> Charge | str:
    """The span a free response's log line sent, or why there is none (Premium, refused, malformed...)."""
    hit = parse_edge_line(line)
    if not isinstance(hit, EdgeHit):
        return hit
    at = line.rfind(_F)
    if at < 0:
        return "no_f"
    parts = line[at + len(_F) : -2].split(".")
    if len(parts) != 5 or not all(p.isascii() and p.isalnum() for p in parts):
        return "premium" if parts == [""] else "malformed_f"
    uid, track, size, _duration, gen = parts
    name = hit.media_path.rsplit("/", 1)[1].split(".")  # <hash>.<rendition>.<ext>
    start = hit.start
    return Charge(int(uid), hit.user, int(gen), track, name[1], int(size), start, start + hit.sent, to_us(hit.at) or 0)


def merged(charges: list[Charge]) -> list[Charge]:
    """A batch's spans of each play united into contiguous spans (touching or overlapping ones merge)."""
    plays: dict[tuple[int, str, str, int], list[Charge]] = defaultdict(list)
    for c in charges:
        plays[c.uid, c.track, c.rendition, c.size].append(c)
    out = []
    for spans in plays.values():
        spans.sort(key=lambda c: c.start)
        cur = spans[0]
        for c in spans[1:]:
            if c.start <= cur.end:
                cur = Charge(cur.uid, cur.user, cur.gen, cur.track, cur.rendition, cur.size, cur.start,
                             max(cur.end, c.end), max(cur.t_us, c.t_us))  # fmt: skip
            else:
                out.append(cur)
                cur = c
        out.append(cur)
    return out


def push(control: Path, ops: Iterable[str]) -> int:
    """Blocks into a node's shared dict: one POST of lines "set <key> <why>" / "del <key>" to its control
    socket. Returns the lines nginx applied."""
    body = "".join(f"{op}\n" for op in ops).encode()
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(control))
        s.sendall(b"POST /blocks HTTP/1.0\r\nHost: ctl\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    head, _, text = reply.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"control socket answered {reply[:200]!r}")
    return int(text.strip() or 0)


class Tailer:
    def __init__(  # noqa: PLR0917 - the node's coordinates
        self, r: redis.Redis, pipe: Pipe, prefix: str, limit_ms: int, ttl_ms: int, control: Path, *, merge: bool
    ) -> None:
        self.r, self.pipe, self.prefix, self.limit_ms, self.ttl_ms = r, pipe, prefix, limit_ms, ttl_ms
        self.control, self.merge = control, merge
        self.lines = self.calls = self.ignored = self.blocks = 0
        self.blocked: set[str] = set()

    def charge(self, lines: list[str]) -> None:
        charges = []
        for line in lines:
            got = charge_of(line)
            if isinstance(got, Charge):
                charges.append(got)
            else:
                self.ignored += 1
        self.lines += len(lines)
        if not charges:
            return
        if self.merge:
            charges = merged(charges)
        p, ttl = self.prefix, self.ttl_ms
        pipe = self.pipe
        for c in charges:
            args = charge_args(c.track, c.rendition, c.size, c.start, c.end, self.limit_ms, gate=False, now_us=c.t_us)
            pipe.evalsha(CHARGE, [p + clock_key(c.uid), p + spans_key(c.uid, c.track)], [ttl, ttl, *args])
        listeners = sorted({(c.user, c.gen) for c in charges})
        for user, gen in listeners:
            pipe.evalsha(ALIVE, [p + _cut_key(user), p + _EVERYONE], [0, 0, gen])
        replies = pipe.execute()
        self.calls += len(charges)
        self._enforce(charges, listeners, replies)

    def _enforce(self, charges: list[Charge], listeners: list[tuple[str, int]], replies: list[Any]) -> None:
        """The replies' consequences: dirtied clocks listed, owed ads and sign-outs pushed to nginx as blocks."""
        p = self.prefix
        dirty, owed = set(), set()
        for c, reply in zip(charges, replies, strict=False):
            if reply[0] in (1, 2) and reply[1] == 1:
                dirty.add(c.uid)
            if reply[0] == STOP:
                owed.add(c.uid)
        ops = []
        for (user, _gen), alive in zip(listeners, replies[len(charges) :], strict=True):
            if alive[0] == 0 and f"u:{user}" not in self.blocked:
                ops.append(f"set u:{user} signed_out")
        if dirty:
            self.r.rpush(p + DIRTY, *sorted(dirty))
        for uid in sorted(owed):
            raw = self.r.get(p + clock_key(uid))
            doc = json.loads(raw) if raw else None
            for track in (doc or {}).get("p", {}):
                if not may_send(doc, track, self.limit_ms) and f"p:{uid}.{track}" not in self.blocked:
                    ops.append(f"set p:{uid}.{track} ad_break_due")
        if ops:
            self.blocks += push(self.control, ops)
            self.blocked.update(op.split()[1] for op in ops)


def _write_status(path: Path, offset: int, tailer: Tailer) -> None:
    status = {"offset": offset, "lines": tailer.lines, "calls": tailer.calls, "ignored": tailer.ignored}
    status["blocks"] = tailer.blocks
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status))
    tmp.replace(path)


def tail_file(
    tailer: Tailer, log: Path, status: Path, offset: int, *, batch: int, tick: float, stopping: list[int]
) -> None:
    """Charge a buffered access log from `offset` on, chunk by chunk; at EOF wait `tick`."""
    _write_status(status, offset, tailer)
    while not log.exists() and not stopping:
        time.sleep(tick)
    with log.open("rb") as f:
        f.seek(offset)
        rest = b""
        while True:
            data = f.read(1 << 20)
            if not data:
                if stopping:
                    break
                time.sleep(tick)
                continue
            chunk = rest + data
            cut = chunk.rfind(b"\n") + 1
            rest = chunk[cut:]
            lines = chunk[:cut].decode(errors="replace").splitlines()
            for i in range(0, len(lines), batch):
                tailer.charge(lines[i : i + batch])
            offset += cut
            _write_status(status, offset, tailer)


def tail_syslog(tailer: Tailer, path: Path, status: Path, *, batch: int, tick: float, stopping: list[int]) -> None:
    """Charge nginx's `syslog:server=unix:<path>` datagrams (one line each, "<pri>date tag: line"), in batches
    of what arrives within `tick` (at most `batch` lines); nothing is kept if the tailer dies."""
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        sock.bind(str(path))
        sock.settimeout(tick)
        _write_status(status, 0, tailer)
        while not stopping:
            try:
                got = [sock.recv(65536)]
            except TimeoutError:
                continue
            # a batch: what arrives within `tick` of its first line (at most `batch` lines), as a file tail's read
            sock.setblocking(False)
            until = time.monotonic() + tick
            while len(got) < batch:
                try:
                    got.append(sock.recv(65536))
                except BlockingIOError:
                    if time.monotonic() >= until:
                        break
                    time.sleep(0.01)
            sock.settimeout(tick)
            lines = [d[d.find(b"{") :].decode(errors="replace") for d in got]
            tailer.charge(lines)
            _write_status(status, tailer.lines, tailer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", type=Path, help="the buffered access log to tail")
    ap.add_argument("--syslog", type=Path, help="or: the unix datagram socket nginx's syslog: logging sends to")
    ap.add_argument("--redis", type=Path, required=True, help="redis-server's unix socket")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--limit-ms", type=int, required=True, help="the free tier's ad interval")
    ap.add_argument("--ttl-ms", type=int, required=True)
    ap.add_argument("--control", type=Path, required=True, help="the nginx node's control socket")
    ap.add_argument("--status", type=Path, required=True)
    ap.add_argument("--merge", action="store_true")
    ap.add_argument("--resume", action="store_true", help="start at the offset --status holds")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--tick", type=float, default=0.2)
    args = ap.parse_args()
    r = redis.Redis(unix_socket_path=str(args.redis))
    pipe = Pipe(args.redis, [CHARGE, ALIVE])
    tailer = Tailer(r, pipe, args.prefix, args.limit_ms, args.ttl_ms, args.control, merge=args.merge)
    offset = json.loads(args.status.read_text())["offset"] if args.resume and args.status.exists() else 0
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    if args.syslog is not None:
        tail_syslog(tailer, args.syslog, args.status, batch=args.batch, tick=args.tick, stopping=stopping)
    else:
        tail_file(tailer, args.log, args.status, offset, batch=args.batch, tick=args.tick, stopping=stopping)


if __name__ == "__main__":
    main()
