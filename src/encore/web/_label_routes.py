"""The label API: `/api/label/{label_id}/...` for a label account's own catalogue, streams and statements,
and `/api/admin/...` for all labels and closing a month.

Every label route names the label in its path and is scoped by one dependency: a label id that is not
the account's own answers 404, exactly like a missing one (tests walk the whole route table for this).
"""

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from encore import labels
from encore.accounts import Role, User
from encore.audit import kinds
from encore.billing import Availability
from encore.kernel import NotFound
from encore.web._attachment import attachment, file_name_part
from encore.web._audit import note
from encore.web._bounds import Day
from encore.web._deps import Admin, CurrentUser, Db, container
from encore.web._label_schemas import (
    AlbumEdit,
    AlbumOut,
    AvailabilityIn,
    DayOut,
    LabelOut,
    LabelStatementOut,
    StatementOut,
    TrackEdit,
    TrackStreamsOut,
    album_out,
    label_statement_out,
    statement_out,
)

router = APIRouter(prefix="/api", tags=["labels"])


def own_label(session: Session, *, label_id: str, user: User) -> labels.LabelInfo:
    """The label a label account acts for, named in the path: 404 for any other id, or for another role."""
    if user.role != Role.LABEL.value:
        raise NotFound("not found")
    return labels.acting_label(session, label_public_id=label_id, account_label_id=user.label_id)


def _label(label_id: str, session: Db, user: CurrentUser) -> labels.LabelInfo:
    return own_label(session, label_id=label_id, user=user)


OwnLabel = Annotated[labels.LabelInfo, Depends(_label)]


def _terms(request: Request) -> labels.Terms:
    s = container(request).settings
    return labels.Terms(s.royalty_payout_share_pct, s.premium_currency)


def _label_out(info: labels.LabelInfo) -> LabelOut:
    return LabelOut(id=info.id, name=info.name, kind=info.kind)


@router.get("/me/label")
def my_label(session: Db, user: CurrentUser) -> LabelOut:
    """Which label this account acts for (the dashboard builds its URLs from it)."""
    if user.role != Role.LABEL.value:
        raise NotFound("not found")
    return _label_out(labels.own_label(session, account_label_id=user.label_id))


@router.get("/label/{label_id}")
def label_home(label: OwnLabel) -> LabelOut:
    return _label_out(label)


@router.get("/label/{label_id}/catalogue")
def label_catalogue(
    session: Db,
    label: OwnLabel,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> list[AlbumOut]:
    return [album_out(a) for a in labels.catalogue(session, label_id=label.row_id, limit=limit, offset=offset)]


@router.get("/label/{label_id}/albums/{album_id}")
def label_album(album_id: str, session: Db, label: OwnLabel) -> AlbumOut:
    album = labels.owned_album(session, label_id=label.row_id, album_id=album_id)
    return album_out(labels.album_item(session, album))


@router.patch("/label/{label_id}/albums/{album_id}")
def edit_album(
    *, album_id: str, body: AlbumEdit, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    changes = body.model_dump(exclude_unset=True)
    today = container(request).clock.now().date()
    item = labels.edit_metadata(
        session, label_id=label.row_id, kind="album", item_id=album_id, changes=changes, today=today
    )
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, album=album_id, fields=sorted(changes))
    return album_out(item)


@router.patch("/label/{label_id}/tracks/{track_id}")
def edit_track(
    *, track_id: str, body: TrackEdit, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    changes = body.model_dump(exclude_unset=True)
    today = container(request).clock.now().date()
    item = labels.edit_metadata(
        session, label_id=label.row_id, kind="track", item_id=track_id, changes=changes, today=today
    )
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, track=track_id, fields=sorted(changes))
    return album_out(item)


def _availability(body: AvailabilityIn) -> Availability | None:
    return None if body.availability == "inherit" else Availability(body.availability)


@router.put("/label/{label_id}/albums/{album_id}/availability")
def album_availability(
    *, album_id: str, body: AvailabilityIn, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    return _set_availability("album", album_id, body, request, session, label, user)


@router.put("/label/{label_id}/tracks/{track_id}/availability")
def track_availability(
    *, track_id: str, body: AvailabilityIn, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> AlbumOut:
    return _set_availability("track", track_id, body, request, session, label, user)


def _set_availability(  # noqa: PLR0917 - the two routes' own parameters, passed straight through
    kind: Literal["album", "track"],
    item_id: str,
    body: AvailabilityIn,
    request: Request,
    session: Session,
    label: labels.LabelInfo,
    user: User,
) -> AlbumOut:
    """One album's or track's availability, audited in the same transaction."""
    item: dict[str, Any] = {kind: item_id}  # the audit row names it as `album` or `track`
    note(
        request,
        session,
        kinds.LABEL_AVAILABILITY,
        actor=user,
        label=label.id,
        availability=body.availability,
        available_from=body.available_from,
        **item,
    )
    changed = labels.set_availability(
        session,
        label_id=label.row_id,
        kind=kind,
        item_id=item_id,
        availability=_availability(body),
        available_from=body.available_from,
    )
    return album_out(changed)


@router.get("/label/{label_id}/streams")
def label_streams(
    request: Request,
    session: Db,
    label: OwnLabel,
    since: Day | None = None,
    until: Day | None = None,
) -> list[TrackStreamsOut]:
    """Counted streams per track per UTC day (default: the last 30 days)."""
    today = container(request).clock.now().date()
    until = until or today
    since = since or until - timedelta(days=29)
    rows = labels.streams_per_day(session, label_id=label.row_id, since=since, until=until)
    return [
        TrackStreamsOut(
            track_id=r.track_id,
            title=r.title,
            total=r.total,
            days=[DayOut(date=d, streams=n) for d, n in r.days.items()],
        )
        for r in rows
    ]


@router.get("/label/{label_id}/buy-clicks")
def label_buy_clicks(session: Db, label: OwnLabel) -> dict[str, int]:
    return labels.buy_clicks(session, label_id=label.row_id)


@router.get("/label/{label_id}/statements")
def label_statement_months(request: Request, session: Db, label: OwnLabel) -> dict[str, object]:
    now = container(request).clock.now()
    return {
        "current": now.strftime("%Y-%m"),
        "closed": labels.closed_months(session),
        "months": labels.statement_months(session, now=now),  # what the page offers: its own statement for each
        "label": label.name,
    }


def _statement(request: Request, session: Db, month: str) -> labels.Statement:
    c = container(request)
    return labels.statement(session, month=month, terms=_terms(request), now=c.clock.now(), state=c.state)


def _csv(s: labels.Statement, name: str) -> Response:
    part = file_name_part(name) or "label"
    ascii_part = "".join(ch for ch in part if ch.isascii()) or "label"  # 東京レコード -> statement-label-...
    disposition = attachment(f"statement-{part}-{s.month}.csv", ascii_fallback=f"statement-{ascii_part}-{s.month}.csv")
    return Response(
        labels.to_csv(s), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )


@router.get("/label/{label_id}/statements/{month}")
def label_statement(month: str, request: Request, session: Db, label: OwnLabel) -> LabelStatementOut:
    return label_statement_out(labels.for_label(_statement(request, session, month), label.row_id))


@router.get("/label/{label_id}/statements/{month}/csv")
def label_statement_csv(month: str, request: Request, session: Db, label: OwnLabel) -> Response:
    return _csv(labels.for_label(_statement(request, session, month), label.row_id), label.name)


@router.get("/admin/labels")
def admin_labels(session: Db, _: Admin) -> list[dict[str, object]]:
    return [{**_label_out(i).model_dump(), "albums": i.albums} for i in labels.list_labels(session)]


@router.get("/admin/statements/{month}")
def admin_statement(month: str, request: Request, session: Db, _: Admin) -> StatementOut:
    s = _statement(request, session, month)
    closing = None if s.status == "closed" else labels.may_close(month=month, now=container(request).clock.now())
    return statement_out(s, closing)


@router.get("/admin/statements/{month}/csv")
def admin_statement_csv(month: str, request: Request, session: Db, _: Admin) -> Response:
    return _csv(_statement(request, session, month), "all-labels")


@router.post("/admin/statements/{month}/close")
def close_statement(month: str, request: Request, session: Db, admin: Admin) -> StatementOut:
    now = container(request).clock.now()
    closed = labels.close_month(session, month=month, terms=_terms(request), admin_id=admin.id, now=now)
    note(request, session, kinds.ADMIN_STATEMENT_CLOSED, actor=admin, month=month)
    return statement_out(closed)
