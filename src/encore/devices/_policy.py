"""Which Subsonic authentication a request uses: a pure decision with its reason."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AuthChoice:
    method: str | None  # "api_key" | "token" | "password" | None
    reason: str


def choose_auth(
    *, api_key: str | None, username: str | None, password: str | None, token: str | None, salt: str | None
) -> AuthChoice:
    """OpenSubsonic: apiKey must come alone (with `u`, `p` or `t` it is a conflict, error 43)."""
    if api_key is not None:
        if username is not None or password is not None or token is not None or salt is not None:
            return AuthChoice(None, "conflicting")
        return AuthChoice("api_key", "api_key")
    if token is not None and password is not None:
        return AuthChoice(None, "conflicting")
    if not username:
        return AuthChoice(None, "missing")
    if token is not None:
        if not salt or len(salt) < 6:
            return AuthChoice(None, "missing")  # a short salt makes replay trivial; the spec asks for >= 6
        return AuthChoice("token", "token")
    if password is not None:
        return AuthChoice("password", "password")
    return AuthChoice(None, "missing")
