"""F8's decision, alone: which words of an authorization request's `scope` are granted, left out, or refused."""

import pytest

from encore.oauth import SCOPES, SPOTIFY_ONLY, decide_scopes


def test_encores_scopes_are_granted_in_canonical_order() -> None:
    decided = decide_scopes("user-top-read user-read-private  user-top-read")
    assert decided.granted == ["user-read-private", "user-top-read"]
    assert decided.not_granted == [] and decided.unknown == [] and decided.reason == ""


def test_spotify_scopes_encore_cannot_serve_are_left_out_not_refused() -> None:
    decided = decide_scopes("streaming user-read-email app-remote-control")
    assert decided.granted == ["user-read-email"]
    assert decided.not_granted == ["app-remote-control", "streaming"]
    assert decided.unknown == []
    # named in the token's scope all the same: spotipy wants every scope it asked for there (review32c M1)
    assert decided.token_scope == "user-read-email app-remote-control streaming"


@pytest.mark.parametrize(
    "word",
    ["admin", "USER-READ-EMAIL", "user-read-emails", "user-soa-link", "user-manage-partner", "playlist-read", "*"],
    ids=["admin", "case", "typo", "partner-soa", "partner-manage", "old-spotify-word", "star"],
)
def test_any_other_word_refuses_the_whole_request_by_name(word: str) -> None:
    decided = decide_scopes(f"user-read-email {word}")
    assert decided.unknown == [word] and word in decided.reason


def test_a_long_list_of_unknown_words_is_named_briefly() -> None:
    decided = decide_scopes(" ".join(f"x{i}" + "y" * 100 for i in range(50)))
    assert len(decided.unknown) == 50 and len(decided.reason) < 300


def test_nothing_asked_is_nothing_granted() -> None:
    assert decide_scopes(None) == decide_scopes("") == decide_scopes("   ")
    assert decide_scopes(None).granted == [] and decide_scopes(None).unknown == []


def test_the_two_lists_do_not_overlap() -> None:
    assert not SPOTIFY_ONLY & set(SCOPES)
