"""Which label an account acts for, and the list of all labels an admin sees."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, Label
from encore.kernel import NotFound


@dataclass(frozen=True)
class LabelInfo:
    row_id: int
    id: str
    name: str
    kind: str
    albums: int


def _info(session: Session, label: Label) -> LabelInfo:
    albums = session.scalar(select(func.count()).select_from(Album).where(Album.label_id == label.id)) or 0
    return LabelInfo(label.id, label.public_id, label.name, label.kind, albums)


def acting_label(session: Session, *, label_public_id: str, account_label_id: int | None) -> LabelInfo:
    """The label in the URL, if and only if it is the account's own; any other answers like a missing one."""
    label = session.scalar(select(Label).where(Label.public_id == label_public_id))
    if label is None or account_label_id is None or label.id != account_label_id:
        raise NotFound("no such label")
    return _info(session, label)


def own_label(session: Session, *, account_label_id: int | None) -> LabelInfo:
    label = session.get(Label, account_label_id) if account_label_id is not None else None
    if label is None:
        raise NotFound("this account acts for no label", code="no_label")
    return _info(session, label)


def list_labels(session: Session) -> list[LabelInfo]:
    return [_info(session, label) for label in session.scalars(select(Label).order_by(Label.name, Label.id))]
