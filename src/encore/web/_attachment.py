"""The Content-Disposition of a download whose name may hold any text (a label called 東京レコード, an emoji).

HTTP header values are Latin-1 on the wire (Starlette encodes them so; anything else is a 500), so the name
goes twice, as RFC 6266 section 4.3 advises: `filename*=UTF-8''...` percent-encoded (RFC 8187, formerly
5987) for clients that read it (every current browser), and a plain ASCII `filename="..."` for those
that do not.
"""

from urllib.parse import quote

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def file_name_part(text: str) -> str:
    """What of a name may stand in a file name: ASCII letters, digits, '-' and '_', and any printable
    character beyond ASCII (東, é, 🎵); never a quote, a slash, a dot, a space, a control or a format
    character (U+202E would show "evil.exe" as "exe.live")."""
    return "".join(
        ch for ch in text if (ch in _SAFE and ch != ".") or (not ch.isascii() and ch.isprintable() and not ch.isspace())
    )


def attachment(filename: str, *, ascii_fallback: str) -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`; the fallback is cut to
    ASCII letters, digits, '-', '_' and '.' whatever the caller passes."""
    plain = "".join(ch for ch in ascii_fallback if ch in _SAFE) or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
