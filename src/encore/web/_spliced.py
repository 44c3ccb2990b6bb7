"""JSON answers spliced from ready-made parts: each item's JSON is written once (by its pydantic model) and
kept with the catalogue's views (catalog.representation), so a list of hits costs a join, not a model per
hit. Used by the search faces (`/api/search`, `/v1/search`) and `/v1/tracks/{id}`, whose items are the same
for every caller."""

import json
from collections.abc import Callable, Iterable

import orjson
from sqlalchemy.orm import Session

from encore import catalog


def kept(session: Session, key: tuple[str | int, ...], build: Callable[[], bytes], *, keep: bool) -> bytes:
    """A part with absolute hrefs (`/v1`'s): kept, under `key`, only when it was written for the configured
    public base URL (`keep`, from `spotify._edge.address`); else built each time and not kept. Hrefs never
    follow the Host header (`web._deps.public_base`): without a configured base they name the address the
    connection reached on this machine, which a LAN install may reach by several, and the bounded cache that
    every face reads holds the parts of one base only."""
    return catalog.representation(session, key, build) if keep else build()


def text(value: str | None) -> bytes:
    """A JSON string (or null): orjson, or json for what orjson refuses (lone surrogates)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value).encode()


def obj(fields: Iterable[tuple[str, bytes]]) -> bytes:
    """`{"k":v,...}` from keys and values that are JSON already."""
    return b"{" + b",".join(b'"' + k.encode() + b'":' + v for k, v in fields) + b"}"


def array(items: Iterable[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def number(value: int) -> bytes:
    return str(value).encode()
