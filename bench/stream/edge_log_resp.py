"""A pipeline of EVALSHA calls packed by hand (bench only, logedge22's tailer): redis-py's pipeline spends
~10 us of Python per queued script call (its command stack, its script bookkeeping, its packing); the tailer
sends thousands a second, so it writes the RESP itself on one unix-socket connection and reads the replies
with hiredis (redis-py's own reader). Scripts are loaded on connect and again after a NOSCRIPT answer."""

import socket
from pathlib import Path
from typing import Any

import hiredis

from encore.state import Script


def _bulk(x: str | int) -> bytes:
    b = x.encode() if isinstance(x, str) else str(x).encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def command(*args: str | int) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(map(_bulk, args))


class Pipe:
    """EVALSHA calls of known scripts, sent together and answered in order."""

    def __init__(self, sock_path: Path, scripts: list[Script]) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(str(sock_path))
        self.reader = hiredis.Reader()
        self.text = {s.name: s.lua for s in scripts}
        self.sha: dict[str, str] = {}
        self.queued: list[bytes] = []
        self.load()

    def load(self) -> None:
        names = list(self.text)
        self.sha.update(zip(names, self.raw([command("SCRIPT", "LOAD", self.text[n]) for n in names]), strict=True))
        self.sha = {n: s.decode() if isinstance(s, bytes) else s for n, s in self.sha.items()}

    def raw(self, commands: list[bytes]) -> list[Any]:
        self.sock.sendall(b"".join(commands))
        out: list[Any] = []
        while len(out) < len(commands):
            reply = self.reader.gets()
            if reply is False:
                data = self.sock.recv(1 << 20)
                if not data:
                    raise ConnectionError("redis-server closed the connection")
                self.reader.feed(data)
                continue
            out.append(reply)
        return out

    def evalsha(self, script: Script, keys: list[str], args: list[str | int]) -> None:
        self.queued.append(command("EVALSHA", self.sha[script.name], len(keys), *keys, *args))

    def execute(self) -> list[Any]:
        sent, self.queued = self.queued, []
        replies = self.raw(sent)
        if any(isinstance(r, hiredis.ReplyError) and str(r).startswith("NOSCRIPT") for r in replies):
            self.load()  # Redis restarted or flushed its scripts: the SHA is the same, send the batch again
            replies = self.raw(sent)
        for r in replies:
            if isinstance(r, hiredis.ReplyError):
                raise RuntimeError(f"redis-server: {r}")
        return replies
