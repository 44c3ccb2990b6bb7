from urllib.parse import parse_qs, urlsplit

import pytest

from encore.kernel import new_public_id
from encore.streaming import Denial, StreamGrant, sign_stream_path, stream_key, verify_stream_signature

KEY = stream_key("x" * 40)
USER, OTHER, TRACK = new_public_id(), new_public_id(), new_public_id()


def _parts(path: str) -> dict[str, str]:
    split = urlsplit(path)
    _, _, track, rendition = split.path.split("/")
    q = {k: v[0] for k, v in parse_qs(split.query).items()}
    return {"track": track, "rendition": rendition, "user": q["u"], "expires": q["e"], "signature": q["s"]}


def _verify(now: int = 1000, **changes: str) -> StreamGrant | Denial:
    fields = _parts(sign_stream_path(key=KEY, user=USER, track=TRACK, rendition="vorbis160", expires=2000))
    fields.update(changes)
    return verify_stream_signature(key=KEY, now=now, **fields)


def test_valid_url_grants() -> None:
    assert _verify() == StreamGrant(USER, TRACK, "vorbis160", 2000)


def test_expired() -> None:
    assert _verify(now=2001) == Denial("expired")


@pytest.mark.parametrize(
    "change",
    [
        {"user": OTHER},  # another user's URL
        {"track": new_public_id()},
        {"rendition": "opus96"},
        {"expires": "9999999999"},  # extending the expiry
        {"signature": "A" * 32},
    ],
)
def test_tampering_is_refused(change: dict[str, str]) -> None:
    assert _verify(**change) == Denial("bad_signature")


@pytest.mark.parametrize(
    "change",
    [{"user": "../../etc"}, {"expires": "-1"}, {"expires": "1e9"}, {"rendition": "../../x"}, {"signature": "s" * 500}],
)
def test_malformed(change: dict[str, str]) -> None:
    assert _verify(**change) == Denial("malformed")


def test_a_different_server_key_refuses() -> None:
    fields = _parts(sign_stream_path(key=KEY, user=USER, track=TRACK, rendition="vorbis160", expires=2000))
    assert verify_stream_signature(key=stream_key("y" * 40), now=0, **fields) == Denial("bad_signature")
