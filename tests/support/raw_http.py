"""A request over a raw socket whose body may never end: send until the server answers (or hangs up),
so a test can show that a limit is enforced while the body is still arriving."""

import contextlib
import select
import socket
from collections.abc import Iterable


def post_until_answered(base_url: str, head: str, body: Iterable[bytes]) -> tuple[bytes, int]:
    """Send `head` (request line and headers, without the blank line), then `body` chunk by chunk,
    stopping as soon as a reply can be read. Returns (the reply, bytes of body sent)."""
    host, port = base_url.removeprefix("http://").split(":")
    sent, reply = 0, b""
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.encode() + b"\r\n")
        for chunk in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(chunk)
            except OSError:
                break  # or hung up
            sent += len(chunk)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
    return reply, sent


def chunked(data: bytes, times: int) -> Iterable[bytes]:
    """`data` `times` over as HTTP/1.1 chunks (never the closing chunk: a body that does not end)."""
    frame = b"%x\r\n%b\r\n" % (len(data), data)
    for _ in range(times):
        yield frame
