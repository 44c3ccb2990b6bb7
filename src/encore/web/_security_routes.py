"""The audit log on the web: a listener's own events (the player's Security section) and, for admins,
everyone's, filtered by account, kind and time, as JSON or a CSV/JSON download."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from encore import audit, incident, portability
from encore.accounts import Guard, User, change_email, change_password, get_user_by_name
from encore.kernel import NotFound
from encore.web._attachment import attachment
from encore.web._audit import client_of, note
from encore.web._auth_routes import open_session
from encore.web._bounds import Instant
from encore.web._client_ip import client_key
from encore.web._deps import SESSION_COOKIE, Admin, CurrentUser, Db, container
from encore.web._schemas import SessionOut, Strict

router = APIRouter(prefix="/api", tags=["security"])

EXPORT_LIMIT = 100_000


class EventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str | None
    subject: str | None
    client_ip: str
    user_agent: str
    details: dict[str, object]


class EventsOut(BaseModel):
    items: list[EventOut]
    next_before: int | None  # pass as `before` for the next (older) page


def _page(events: list[audit.EventView], limit: int) -> EventsOut:
    items = [EventOut(**e.__dict__) for e in events]
    return EventsOut(items=items, next_before=items[-1].id if len(items) == limit else None)


Limit = Annotated[int, Query(ge=1, le=500)]
Before = Annotated[int | None, Query(ge=1, le=2**62)]
Kind = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_.]+$")]


@router.get("/me/security/events")
def my_events(session: Db, user: CurrentUser, limit: Limit = 50, before: Before = None) -> EventsOut:
    where = audit.EventFilter(account_id=user.id, before_id=before, limit=limit)
    return _page(audit.list_events(session, where=where), limit)


def _account(session: Db, username: str) -> User:
    found = get_user_by_name(session, username=username[:64])
    if found is None:
        raise NotFound("no such account", code="no_such_account")
    return found


def _filter(
    session: Db,
    *,
    account: str | None,
    kind: str | None,
    since: datetime | None,
    until: datetime | None,
    before: int | None,
    limit: int,
) -> audit.EventFilter:
    account_id = _account(session, account).id if account else None
    return audit.EventFilter(account_id=account_id, kind=kind, since=since, until=until, before_id=before, limit=limit)


Account = Annotated[str | None, Query(max_length=64)]
Since = Annotated[Instant | None, Query()]


@router.get("/admin/audit")
def all_events(
    *,
    session: Db,
    _: Admin,
    account: Account = None,
    kind: Kind = None,
    since: Since = None,
    until: Since = None,
    before: Before = None,
    limit: Limit = 100,
) -> EventsOut:
    where = _filter(session, account=account, kind=kind, since=since, until=until, before=before, limit=limit)
    return _page(audit.list_events(session, where=where), limit)


@router.get("/admin/audit/export")
def export_events(
    *,
    request: Request,
    session: Db,
    admin: Admin,
    format: Literal["csv", "json"] = "csv",
    account: Account = None,
    kind: Kind = None,
    since: Since = None,
    until: Since = None,
) -> Response:
    where = _filter(session, account=account, kind=kind, since=since, until=until, before=None, limit=EXPORT_LIMIT)
    events = audit.list_events(session, where=where)
    note(request, session, audit.kinds.EXPORT_DOWNLOADED, actor=admin, what="audit log", rows=len(events))
    if format == "json":
        body = EventsOut(items=[EventOut(**e.__dict__) for e in events], next_before=None).model_dump_json()
        media, name = "application/json", "encore-audit.json"
    else:
        body, media, name = audit.to_csv(events), "text/csv; charset=utf-8", "encore-audit.csv"
    return Response(body, media_type=media, headers={"Content-Disposition": attachment(name, ascii_fallback=name)})


def _sign_out(request: Request, session: Db, *, user_id: int | None, actor: User) -> None:
    c = container(request)
    client, cuts = client_of(request), c.stream_cutoffs
    incident.sign_out(session, user_id=user_id, actor_id=actor.id, now=c.clock.now(), client=client, cutoffs=cuts)


@router.post("/me/sign-out-everywhere", status_code=204)
def sign_out_everywhere(request: Request, response: Response, session: Db, user: CurrentUser) -> None:
    """This browser, every other session, every app password, listen token and OAuth grant of the caller."""
    _sign_out(request, session, user_id=user.id, actor=user)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/admin/accounts/{username}/sign-out", status_code=204)
def sign_out_account(username: str, request: Request, session: Db, admin: Admin) -> None:
    _sign_out(request, session, user_id=_account(session, username).id, actor=admin)


@router.post("/admin/sign-out-everyone", status_code=204)
def sign_out_everyone(request: Request, response: Response, session: Db, admin: Admin) -> None:
    """Every account, this admin's own included: they sign in again like everyone else."""
    _sign_out(request, session, user_id=None, actor=admin)
    response.delete_cookie(SESSION_COOKIE, path="/")


def _guard(request: Request) -> Guard:
    c = container(request)
    return Guard(throttle=c.login_throttle, client=client_key(request), now=c.clock.now())


class PasswordIn(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
    reset_code: str | None = Field(
        default=None, max_length=64, description="During a forced reset: the one-time code the operator gave"
    )


@router.put("/me/password")
def new_password(body: PasswordIn, request: Request, response: Response, session: Db, user: CurrentUser) -> SessionOut:
    """Also what a forced reset asks for. Every other session, device and app is signed out (they may be
    the reason for the change); this browser gets a fresh session."""
    guard = _guard(request)
    change_password(
        session,
        user=user,
        current=body.current_password,
        new=body.new_password,
        guard=guard,
        reset_code=body.reset_code,
    )
    note(request, session, audit.kinds.PASSWORD_CHANGED, actor=user)
    _sign_out(request, session, user_id=user.id, actor=user)
    return open_session(request, response, session, user)


class DeleteAccountIn(Strict):
    password: str = Field(min_length=1, max_length=1024, description="The account's password, asked again")


class DeletingOut(BaseModel):
    state: Literal["deleting"] = "deleting"
    job_id: str = Field(description="The erasing job; the account can no longer sign in to follow it")


@router.post("/me/delete-account", status_code=202, responses={409: {"description": "Not now, and why"}})
def delete_account(
    body: DeleteAccountIn, request: Request, response: Response, session: Db, user: CurrentUser
) -> DeletingOut:
    """Delete the caller's account and everything Encore keeps of them (plays, library, playlists, Wrapped,
    apps, exports). Refused while it is the last administrator or a card subscription would renew. The account
    stops now (signed out everywhere, no sign-in); a job erases the data, and the username is free after it."""
    c = container(request)
    job = portability.request_erase(session, jobs=c.jobs, user=user, password=body.password, guard=_guard(request))
    note(request, session, audit.kinds.ACCOUNT_DELETED, actor=user, subject_id=user.id, job_id=job.id)
    _sign_out(request, session, user_id=user.id, actor=user)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return DeletingOut(job_id=job.id)


class EmailIn(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    email: str = Field(min_length=3, max_length=320)


@router.put("/me/email", status_code=204)
def new_email(body: EmailIn, request: Request, session: Db, user: CurrentUser) -> None:
    guard = _guard(request)
    old = change_email(session, user=user, current_password=body.current_password, email=body.email, guard=guard)
    note(request, session, audit.kinds.EMAIL_CHANGED, actor=user, old=old, new=body.email)


class ResetCodeOut(BaseModel):
    username: str
    email: str | None
    code: str = Field(description="One use; the account needs it, with its password, to choose a new one")
    expires_at: datetime


class ResetCodesOut(BaseModel):
    """Hand each code to its account's owner out of band (in person, by phone, by a mail address they trust):
    the password may be what leaked, so it alone no longer completes the reset."""

    codes: list[ResetCodeOut]


def _force_reset(request: Request, session: Db, *, user_id: int | None, actor: User) -> ResetCodesOut:
    c = container(request)
    client, cuts, now = client_of(request), c.stream_cutoffs, c.clock.now()
    codes = incident.force_password_reset(
        session, user_id=user_id, actor_id=actor.id, now=now, client=client, cutoffs=cuts
    )
    return ResetCodesOut(codes=[ResetCodeOut(**code.__dict__) for code in codes])


@router.post("/admin/accounts/{username}/password-reset")
def force_reset_account(username: str, request: Request, session: Db, admin: Admin) -> ResetCodesOut:
    return _force_reset(request, session, user_id=_account(session, username).id, actor=admin)


@router.post("/admin/password-reset-everyone")
def force_reset_everyone(request: Request, response: Response, session: Db, admin: Admin) -> ResetCodesOut:
    """Every account, this admin's own included (its code is in the list too)."""
    codes = _force_reset(request, session, user_id=None, actor=admin)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return codes
