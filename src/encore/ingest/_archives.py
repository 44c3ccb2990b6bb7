"""Is this file an archive? Read from its first bytes (its name may say anything): a label that zips an album
and uploads the zip as audio is told to upload each track alone, not FFmpeg's "Invalid data found" (probe22)."""

# (format, offset, magic) from each format's specification: zip's local file header (APPNOTE 4.3.7) and its
# empty-archive end record, RAR 4 and 5, 7z, gzip (RFC 1952), bzip2, xz, and POSIX tar's "ustar" at 257.
_MAGIC = (
    ("zip", 0, b"PK\x03\x04"),
    ("zip", 0, b"PK\x05\x06"),
    ("zip", 0, b"PK\x07\x08"),
    ("rar", 0, b"Rar!\x1a\x07"),
    ("7z", 0, b"7z\xbc\xaf\x27\x1c"),
    ("gzip", 0, b"\x1f\x8b\x08"),
    ("bzip2", 0, b"BZh"),
    ("xz", 0, b"\xfd7zXZ\x00"),
    ("tar", 257, b"ustar"),
)
HEAD_BYTES = 262  # enough for every magic above


def archive_kind(head: bytes) -> str | None:
    """'zip', 'rar', ... when `head` (a file's first HEAD_BYTES) opens an archive, else None."""
    for kind, offset, magic in _MAGIC:
        if head[offset : offset + len(magic)] != magic:
            continue
        if kind == "bzip2" and not (head[3:4].isdigit() and head[4:10] == b"1AY&SY"):
            continue  # "BZh" alone is too short to tell; a block size digit and the block magic follow
        return kind
    return None


def archive_refusal(kind: str) -> str:
    return (
        f"this is a {kind} archive, not an audio file: upload each track as its own audio file;"
        " archives aren't accepted"
    )
