"""Sign up, log in, log out, who am I. Cookie for the player, the same token as bearer for APIs."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from encore.accounts import (
    AccountFormInvalid,
    AccountStopped,
    LoginFailed,
    LoginThrottled,
    User,
    authenticate,
    change_display_name,
    check_new_account,
    create_checked_user,
    end_session,
    get_user_by_name,
    may_use_account,
    name_for_others,
    start_session,
)
from encore.audit import kinds
from encore.db import transaction
from encore.kernel import FieldsRefused, PermissionDenied
from encore.web._audit import note
from encore.web._client_ip import client_key
from encore.web._deps import SESSION_COOKIE, CurrentUser, Db, container
from encore.web._schemas import LoginIn, SessionOut, SignupIn, Strict, UserOut

router = APIRouter(prefix="/api", tags=["accounts"])


def user_out(user: User) -> UserOut:
    shown = name_for_others(user)
    return UserOut(
        id=user.public_id,
        username=user.username,
        display_name=shown,
        chosen_display_name=user.display_name if user.display_name == shown else None,
        role=user.role,
        must_reset_password=user.must_reset_password,
    )


def open_session(request: Request, response: Response, session: Db, user: User) -> SessionOut:
    c = container(request)
    ttl = timedelta(days=c.settings.session_ttl_days)
    new = start_session(
        session, user=user, ttl=ttl, now=c.clock.now(), user_agent=request.headers.get("user-agent", "")
    )
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or c.settings.public_base_url.startswith("https://"),
        path="/",
    )
    return SessionOut(user=user_out(user), token=new.token, expires_at=new.expires_at)


@router.post("/auth/signup", status_code=201)
def signup(body: SignupIn, request: Request, response: Response, session: Db) -> SessionOut:
    """The per-client sign-up limit counts only attempts that could tell the requester something. A malformed
    name, display name or password is refused first and counts nothing: it reveals nothing about other accounts,
    and a person fixing a typo must not be told "too many sign-ups" with no account made (probe21a F3). A taken
    name does count: each 409 tells that the name exists, so trying names one after another is enumeration."""
    if not container(request).settings.allow_signup:
        raise PermissionDenied("sign-up is closed on this server", code="signup_closed")
    try:  # in the route's thread, not the wire model's event loop: judging the password costs CPU (review27c H1)
        checked = check_new_account(username=body.username, password=body.password, display_name=body.display_name)
    except AccountFormInvalid as exc:  # only the password can be left: the wire model checked the rest
        raise FieldsRefused(exc.fields) from None  # answered as the wire model's refusals are (422 `invalid`)
    verdict = container(request).login_throttle.signup(client=client_key(request))
    if not verdict.allowed:
        raise LoginThrottled(
            "too many sign-ups from here; try again later", code=verdict.reason, retry_after=verdict.retry_after_s
        )
    user = create_checked_user(session, account=checked)  # judged once, above
    note(request, session, kinds.ACCOUNT_CREATED, actor=user, by="signup", role=user.role)
    return open_session(request, response, session, user)


_LOGIN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password (the one answer for both, whatever the account's state)"},
    403: {
        "description": "The right password for an account that is disabled (`account_disabled`) or being deleted"
        " (`account_deleting`)"
    },
    429: {"description": "Too many failed attempts; see Retry-After"},
}


@router.post("/auth/login", responses=_LOGIN_REFUSALS)
def login(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """Its own transaction, so a failed attempt is recorded even though the request fails. Only someone with the
    right password learns that an account is stopped; that is not counted as a failed attempt."""
    c = container(request)
    with transaction(c.sessions) as session:
        outcome = authenticate(
            session,
            username=body.username,
            password=body.password,
            client=client_key(request),
            throttle=c.login_throttle,
            now=c.clock.now(),
        )
        if outcome.user is not None:
            note(request, session, kinds.LOGIN, actor=outcome.user)
            return open_session(request, response, session, outcome.user)
        reason = outcome.error.code if outcome.error else "invalid_credentials"
        also: dict[str, Any] = {}
        if isinstance(outcome.error, LoginThrottled):  # a guesser makes these at will: one row per window
            dropped = c.audit_gate.admit(f"login-throttled:{client_key(request)}", now=c.clock.now())
            if dropped is None:
                raise outcome.error
            also["throttled_attempts_not_logged"] = dropped
        known = get_user_by_name(session, username=body.username[:64])
        note(
            request,
            session,
            # the right password for a stopped account is its owner, not a guesser: told apart in the report
            kinds.LOGIN_REFUSED if isinstance(outcome.error, AccountStopped) else kinds.LOGIN_FAILED,
            actor=None,
            subject_id=known.id if known else None,
            username=body.username[:64],
            reason=reason,
            **also,
        )
    raise outcome.error or LoginFailed("wrong username or password")


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, session: Db, user: CurrentUser) -> None:
    note(request, session, kinds.LOGOUT, actor=user)
    token = request.cookies.get(SESSION_COOKIE) or request.headers.get("authorization", "").partition(" ")[2]
    end_session(session, token=token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    return user_out(user)


class MeIn(Strict):
    display_name: str | None = Field(
        default=None,
        max_length=1000,  # the policy's own limit (100) is told as a sentence; this only bounds the body
        description="The name others see (1-100 characters shown, no control or bidi characters, not the"
        " username); null: none chosen, others see a neutral one. Left out: unchanged.",
    )


@router.patch(
    "/me",
    responses={422: {"description": "A field the account may not take (`invalid`, as sign-up's): `fields` says why"}},
)
def change_me(body: MeIn, request: Request, session: Db, user: CurrentUser) -> UserOut:
    """Change the account's profile: its display name, the only name another person ever sees of it."""
    decision = may_use_account(is_active=user.is_active, must_reset_password=user.must_reset_password)
    if not decision.allowed:  # GET /api/me is open during a forced reset (RESET_PATHS); a change is not
        raise PermissionDenied("choose a new password first (PUT /api/me/password)", code=decision.reason)
    if "display_name" in body.model_fields_set:
        old = change_display_name(session, user=user, display_name=body.display_name)
        if old != user.display_name:
            note(
                request, session, kinds.DISPLAY_NAME_CHANGED, actor=user, old=old or None, new=user.display_name or None
            )
    return user_out(user)
