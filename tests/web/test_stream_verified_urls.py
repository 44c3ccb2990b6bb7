"""A stream URL verified once is not HMAC'd again for its next ranges, but every other check still runs on
every request: the expiry, the key's retirement or rotation, the sign-out generation."""

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from encore.streaming import DirectoryResolver, StreamGrant, VerifiedUrls, sign_stream_url, stream_key
from encore.web import _stream_asgi
from encore.web._security import ASGIApp

KEY, OTHER = stream_key("k" * 40), stream_key("o" * 40)
USER, TRACK, SECOND = "UserUserUserUserUser01", "TrackTrackTrackTrack01", "TrackTrackTrackTrack02"
NOW = 1_700_000_000
DATA = os.urandom(200_000)


class World:
    """The stream app with a clock, a keyring (key id -> key) and sign-out answer the test moves."""

    def __init__(self, media: Path, *, verified_size: int = 4096) -> None:
        self.now = NOW
        self.keyring: dict[str, bytes] = {"": KEY}
        self.signed_out = False
        self.app: ASGIApp = _stream_asgi.make_stream_app(
            key=KEY,
            keys=self.keyring.get,
            resolve=DirectoryResolver(media, ttl_s=0),
            now=lambda: self.now,
            alive=self._alive,
            verified_size=verified_size,
        )

    async def _alive(self, user: str, generation: int) -> bool:
        return not self.signed_out

    def get(self, path: str) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://x") as c:
                return await c.get(path, headers={"Range": "bytes=0-999"})

        return asyncio.run(go())


def _url(*, track: str = TRACK, key: bytes = KEY, expires: int = NOW + 600) -> str:
    return sign_stream_url(key=key, user=USER, track=track, rendition="vorbis160", expires=expires).path


def _refused(r: httpx.Response) -> str:
    assert r.status_code == 403, r.status_code
    return r.text.removeprefix("stream URL refused: ").strip()


@pytest.fixture
def media(tmp_path: Path) -> Path:
    for track in (TRACK, SECOND):
        (tmp_path / f"{track}.vorbis160.ogg").write_bytes(DATA)
    return tmp_path


@pytest.fixture
def hmacs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tracks whose signature the byte path computed, in order."""
    seen: list[str] = []
    real = _stream_asgi.verify_stream_signature

    def counted(**kw: object) -> object:
        seen.append(str(kw["track"]))
        return real(**kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_stream_asgi, "verify_stream_signature", counted)
    return seen


def test_a_url_is_verified_once_for_all_its_ranges(media: Path, hmacs: list[str]) -> None:
    world = World(media)
    for _ in range(3):
        r = world.get(_url())
        assert r.status_code == 206 and r.content == DATA[:1000]
    world.get(_url(track=SECOND))
    assert hmacs == [TRACK, SECOND]


def test_a_kept_url_still_expires(media: Path) -> None:
    world = World(media)
    url = _url(expires=NOW + 10)
    assert world.get(url).status_code == 206
    world.now = NOW + 11
    assert _refused(world.get(url)) == "expired"
    world.now = NOW  # a clock moved back: verified afresh, not taken from what was kept
    assert world.get(url).status_code == 206


def test_a_kept_url_of_a_retired_key_is_refused(media: Path) -> None:
    world = World(media)
    assert world.get(_url()).status_code == 206
    del world.keyring[""]
    assert _refused(world.get(_url())) == "retired_key"


def test_a_kept_url_of_a_rotated_key_is_checked_again(media: Path, hmacs: list[str]) -> None:
    world = World(media)
    assert world.get(_url()).status_code == 206
    world.keyring[""] = OTHER  # the same key id now names another key: the URL's signature no longer holds
    assert _refused(world.get(_url())) == "bad_signature"
    assert hmacs == [TRACK, TRACK]


def test_a_kept_url_is_refused_once_its_account_is_signed_out(media: Path) -> None:
    world = World(media)
    assert world.get(_url()).status_code == 206
    world.signed_out = True
    assert _refused(world.get(_url())) == "signed_out"


def test_a_kept_urls_query_cannot_be_reused_on_another_path_or_altered(media: Path) -> None:
    world = World(media)
    url = _url()
    assert world.get(url).status_code == 206
    path, query = url.split("?")
    assert _refused(world.get(path.replace(TRACK, SECOND) + "?" + query)) == "bad_signature"
    forged = query[:-1] + ("A" if query[-1] != "A" else "B")
    assert _refused(world.get(f"{path}?{forged}")) == "bad_signature"
    assert _refused(world.get(_url(key=OTHER))) == "bad_signature"


def test_with_nothing_kept_every_request_is_verified(media: Path, hmacs: list[str]) -> None:
    world = World(media, verified_size=0)
    for _ in range(2):
        assert world.get(_url()).status_code == 206
    assert hmacs == [TRACK, TRACK]


def test_the_kept_urls_are_bounded_oldest_first() -> None:
    kept = VerifiedUrls(size=2)
    grant = StreamGrant(USER, TRACK, "vorbis160", NOW)
    for n in range(3):
        kept.keep(f"/stream/{n}", b"q", ("", KEY, grant))
    assert len(kept) == 2
    assert kept.get("/stream/0", b"q") is None
    assert kept.get("/stream/2", b"q") == ("", KEY, grant)


def test_a_url_with_more_than_encore_signs_is_served_but_never_kept(media: Path, hmacs: list[str]) -> None:
    """review15: junk appended to a genuine URL still verifies (the check reads its own fields), and each variant
    was kept, up to uvicorn's 64 KB request line apiece: 4,096 of them held 236 MiB in every worker."""
    world = World(media)
    for odd in (_url() + "&x=" + "a" * 5000, _url() + "&u=someone", _url() + "&"):
        for _ in range(2):
            assert world.get(odd).status_code == 206, odd[-20:]
    assert hmacs == [TRACK] * 6  # each checked every time: none kept
    for _ in range(2):
        assert world.get(_url()).status_code == 206
    assert hmacs == [TRACK] * 7  # the URL as issued is kept
