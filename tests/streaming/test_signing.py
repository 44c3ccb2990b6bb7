"""Signed stream URLs: round trip, expiry, tampering with each field, another user's URL."""

from urllib.parse import parse_qs, urlsplit

import pytest

from encore.kernel import new_public_id
from encore.streaming import (
    Denial,
    SignedUrl,
    StreamGrant,
    edge_secret,
    sign_edge_url,
    sign_stream_url,
    stream_key,
    verify_stream_signature,
)

KEY = stream_key("x" * 40)
USER, OTHER, TRACK = "UserUserUserUserUser01", "OtherOtherOtherOther01", "TrackTrackTrackTrack01"


def _parts(path: str) -> dict[str, str]:
    split = urlsplit(path)
    _, _, track, rendition = split.path.split("/")
    q = {k: v[0] for k, v in parse_qs(split.query).items()}
    return {"track": track, "rendition": rendition, "user": q["u"], "expires": q["e"], "signature": q["s"]}


def _signed() -> SignedUrl:
    return sign_stream_url(key=KEY, user=USER, track=TRACK, rendition="vorbis160", expires=2000)


def _verify(now: int = 1000, **changes: str) -> StreamGrant | Denial:
    fields = _parts(_signed().path)
    fields.update(changes)
    return verify_stream_signature(key=KEY, now=now, **fields)


def test_signed_url_shape() -> None:
    signed = _signed()
    assert signed.expires_at == 2000
    assert signed.path.startswith(f"/stream/{TRACK}/vorbis160?u={USER}&e=2000&s=")
    assert len(_parts(signed.path)["signature"]) == 32  # 24 bytes of HMAC-SHA256, base64url, no padding


def test_valid_url_grants() -> None:
    assert _verify() == StreamGrant(USER, TRACK, "vorbis160", 2000)
    assert _verify(now=2000) == StreamGrant(USER, TRACK, "vorbis160", 2000)  # valid through its last second


def test_expired() -> None:
    assert _verify(now=2001) == Denial("expired")


def test_a_forged_expired_url_reports_the_forgery_not_the_time() -> None:
    assert _verify(now=5000, signature="A" * 32) == Denial("bad_signature")


@pytest.mark.parametrize(
    "change",
    [
        {"user": OTHER},  # another user's URL
        {"track": new_public_id()},
        {"rendition": "opus96"},
        {"expires": "9999999999"},  # extending the expiry
        {"signature": "A" * 32},
        {"signature": ""},
        {"signature": "A" * 31},
    ],
)
def test_tampering_is_refused(change: dict[str, str]) -> None:
    assert _verify(**change) == Denial("bad_signature")


def test_flipping_any_signature_character_is_refused() -> None:
    sig = _parts(_signed().path)["signature"]
    for i in range(len(sig)):
        flipped = sig[:i] + ("A" if sig[i] != "A" else "B") + sig[i + 1 :]
        assert _verify(signature=flipped) == Denial("bad_signature")


@pytest.mark.parametrize(
    "change",
    [
        {"user": "../../etc"},
        {"user": ""},
        {"track": "../../../etc/passwd"},
        {"expires": "-1"},
        {"expires": "1e9"},
        {"expires": "٣"},
        {"expires": "9" * 40},
        {"rendition": "../../x"},
        {"rendition": "flac"},
        {"signature": "s" * 500},
        {"signature": "é" * 32},
    ],
)
def test_malformed(change: dict[str, str]) -> None:
    result = _verify(**change)
    assert isinstance(result, Denial) and result.reason in ("malformed", "bad_signature")


def test_a_different_server_key_refuses() -> None:
    fields = _parts(_signed().path)
    assert verify_stream_signature(key=stream_key("y" * 40), now=0, **fields) == Denial("bad_signature")


def test_edge_url_binds_user_and_is_deterministic() -> None:
    secret = edge_secret("x" * 40)
    mine = sign_edge_url(secret=secret, user=USER, media_path="audio/ab/cd.vorbis160.ogg", expires=2000)
    theirs = sign_edge_url(secret=secret, user=OTHER, media_path="audio/ab/cd.vorbis160.ogg", expires=2000)
    assert mine.path.startswith(f"/edge/{USER}/audio/ab/cd.vorbis160.ogg?md5=") and mine.path.endswith("&expires=2000")
    assert mine.path.split("md5=")[1] != theirs.path.split("md5=")[1]
    assert mine == sign_edge_url(secret=secret, user=USER, media_path="audio/ab/cd.vorbis160.ogg", expires=2000)


def test_edge_secret_is_derived_not_the_key() -> None:
    assert edge_secret("x" * 40) != edge_secret("y" * 40)
    assert "x" * 10 not in edge_secret("x" * 40) and edge_secret("x" * 40).isalnum()


def test_signature_is_stdlib_hmac_sha256_truncated_to_24_bytes() -> None:
    """The wire format, pinned: anyone with the key can check a URL with the standard library."""
    import base64
    import hashlib
    import hmac

    message = f"{USER}:{TRACK}:vorbis160:2000".encode()
    expected = base64.urlsafe_b64encode(hmac.new(KEY, message, hashlib.sha256).digest()[:24]).rstrip(b"=").decode()
    assert _parts(_signed().path)["signature"] == expected
