"""Wire shapes of the label API. Edits list their fields explicitly and refuse any other (no mass assignment)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from encore import labels
from encore.web._bounds import Instant
from encore.web._mappers import images
from encore.web._schemas import Strict

NOT_A_NUMBER = "?"  # what labels' rule is given for a value no form sends: it answers with its own sentence
_TYPED_MAX = 40


def _as_typed(value: object) -> str | None:
    """A form number as typed: a JSON number or text (up to 40 characters) as its text; anything else (true, [1],
    {}, longer text) as text that is no number, so labels' rule says "A track number is a whole number from 1 to
    999." next to the track (review23n F8: these got a 422 naming pydantic's union branches, without the track)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        typed = str(value) if isinstance(value, float) or value.bit_length() <= 200 else NOT_A_NUMBER
    elif isinstance(value, str):
        typed = value
    else:
        return NOT_A_NUMBER
    return typed if len(typed) <= _TYPED_MAX else NOT_A_NUMBER


FormNumber = Annotated[
    str | None,
    BeforeValidator(_as_typed),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"}, {"type": "null"}]}),
]


class AlbumEdit(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    album_type: Literal["album", "single", "ep", "compilation"] | None = None
    release_date: date | None = None
    upc: str | None = Field(default=None, pattern=r"^[0-9]{12,14}$")


class TrackEdit(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    isrc: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")
    explicit: bool | None = None
    track_number: int | None = Field(default=None, ge=1, le=999)
    disc_number: int | None = Field(default=None, ge=1, le=99)


class TrackFormIn(Strict):
    id: str = Field(max_length=22)
    title: str | None = Field(default=None, max_length=1000)  # lengths and formats: labels' sentences
    isrc: str | None = Field(default=None, max_length=40)
    # As typed ("3", or 3 from a script): any number or text reaches labels' rule, which says what is wrong with it
    track_number: FormNumber = None
    disc_number: FormNumber = None

    def numbers(self) -> tuple[str | None, str | None]:
        return self.track_number, self.disc_number


class ReleaseFormIn(Strict):
    """A draft's form; every field optional (None: unchanged). Formats are checked by labels' rules, which
    answer with a sentence per field."""

    title: str | None = Field(default=None, max_length=1000)
    artists: list[str] | None = Field(default=None, max_length=50)
    release_date: str | None = Field(default=None, max_length=40)  # "" clears it
    tracks: list[TrackFormIn] = Field(default_factory=list, max_length=500)


class TrackNumbersIn(Strict):
    id: str = Field(max_length=22)
    track_number: FormNumber = None  # as in the draft's form: labels' rule says what is wrong next to the track
    disc_number: FormNumber = None


class NumbersIn(Strict):
    """Track and disc numbers of a release in any state, set together (a swap of two numbers is one request)."""

    tracks: list[TrackNumbersIn] = Field(min_length=1, max_length=500)


class AvailabilityIn(Strict):
    # "inherit" (tracks only): as the album.
    availability: Literal["public", "premium", "prerelease", "inherit"]
    available_from: Instant | None = None


class TrackExclusiveOut(BaseModel):
    """The standing exclusive a track is the audio of: while it stands, free listeners get the track only as
    it allows (Premium only; a pre-release until `release_at`), whatever the track's own availability says."""

    id: str
    kind: str
    title: str
    availability: str
    release_at: datetime | None


class TrackOut(BaseModel):
    id: str
    title: str
    isrc: str | None
    duration_ms: int
    track_number: int
    disc_number: int
    explicit: bool
    availability: str | None
    available_from: datetime | None
    exclusive: TrackExclusiveOut | None


def _track_out(t: labels.TrackItem) -> TrackOut:
    x = t.exclusive
    lock = None
    if x is not None:
        lock = TrackExclusiveOut(
            id=x.exclusive_id, kind=x.kind, title=x.title, availability=x.availability, release_at=x.release_at
        )
    return TrackOut(**{**t.__dict__, "exclusive": lock})


class AlbumOut(BaseModel):
    id: str
    title: str
    artist: str
    album_type: str
    release_date: date | None
    upc: str | None
    availability: str
    available_from: datetime | None
    tracks: list[TrackOut]
    status: str  # draft | published | withdrawn
    artists: list[str]
    artwork: dict[str, str]  # size -> URL, empty without a cover
    # The operator took it down (status "withdrawn"): the portal changes nothing of it, and cannot publish it,
    # until the operator restores it (409 taken_down); false for the label's own withdraw.
    taken_down: bool = False
    # Its cover is an image an operator's takedown holds back (the taken-down release's own, or the same image on
    # another of the label's releases or drafts): `artwork`'s URLs answer 404 to everyone, this label included.
    cover_held_back: bool = False


def album_out(item: labels.AlbumItem) -> AlbumOut:
    fields = {k: v for k, v in item.__dict__.items() if k != "artwork_key"}
    return AlbumOut(**{**fields, "artwork": images(item.artwork_key), "tracks": [_track_out(t) for t in item.tracks]})


class DayOut(BaseModel):
    date: date
    streams: int


class TrackStreamsOut(BaseModel):
    track_id: str
    title: str
    total: int
    days: list[DayOut]


class LineOut(BaseModel):
    label: str
    artist_id: str
    artist: str
    streams: int
    pro_rata_cents: int
    user_centric_cents: int


class AdjustmentOut(BaseModel):
    for_month: str = Field(description="The closed month this money is for; its own statement stays as closed")
    subscription_cents: int = Field(
        description="Its subscribers' money (x its payout share) that arrived after it closed; negative: refunds"
    )
    user_centric_unallocated_cents: int
    lines: list[LineOut] = Field(description="Split by the closed month's own streams (`streams` are its)")
    pro_rata_cents: int
    user_centric_cents: int


class _StatementHead(BaseModel):
    month: str
    status: Literal["open", "closed"]
    closed_at: datetime | None
    as_of: datetime | None = Field(
        description="An open month: when these figures were computed (kept up to ten minutes; provisional)"
    )
    currency: str
    payout_share_pct: int


class StatementOut(_StatementHead):
    ad_cents: int
    subscription_cents: int
    pool_cents: int
    streams: int = Field(description="Every label's counted streams (the admin's statement)")
    user_centric_unallocated_cents: int
    lines: list[LineOut]
    notes: list[str] = Field(description="Why the pool is empty, when it is (labels.pool_notes)")
    # The lines' totals (here every label's; a label's own statement is LabelStatementOut).
    pro_rata_cents: int
    user_centric_cents: int
    adjustments: list[AdjustmentOut] = Field(
        description="Late money for closed months carried into this statement, paid with it (labels._late)"
    )
    late_cents: int = Field(description="The adjustments' sum: paid with this month, on top of its pool")
    closable: bool = Field(
        default=False, description="An open month the admin may close now (labels.may_close: 4 days after it ends)"
    )
    closable_from: datetime | None = Field(
        default=None,
        description="The admin's statement of an open month: when it may be closed (UTC); null once it is closed, "
        "and always null in a label's own statement",
    )


def _line_out(ln: labels.Line) -> LineOut:
    return LineOut(
        label=ln.label_name,
        artist_id=ln.artist_id,
        artist=ln.artist_name,
        streams=ln.streams,
        pro_rata_cents=ln.pro_rata_cents,
        user_centric_cents=ln.user_centric_cents,
    )


def _split(lines: list[labels.Line]) -> dict[str, Any]:
    """Lines and their totals, as both statements and their adjustments show them."""
    return {
        "lines": [_line_out(ln) for ln in lines],
        "pro_rata_cents": sum(ln.pro_rata_cents for ln in lines),
        "user_centric_cents": sum(ln.user_centric_cents for ln in lines),
    }


def _head(s: labels.Statement) -> dict[str, Any]:
    """What the admin's and a label's statement both say of the month (`streams`: of the lines shown)."""
    return {
        "month": s.month,
        "status": "closed" if s.status == "closed" else "open",
        "closed_at": s.closed_at,
        "as_of": s.as_of,
        "currency": s.currency,
        "payout_share_pct": s.payout_share_pct,
        "streams": s.streams,
    }


def statement_out(s: labels.Statement, closing: labels.Closing | None = None) -> StatementOut:
    """`closing`: whether the month may be closed now (the admin's open statement); a closed one has none."""
    return StatementOut(
        closable=closing is not None and closing.allowed,
        closable_from=closing.closable_from if closing is not None else None,
        **_head(s),
        **_split(s.lines),
        ad_cents=s.ad_cents,
        subscription_cents=s.subscription_cents,
        pool_cents=s.pool_cents,
        user_centric_unallocated_cents=s.user_centric_unallocated_cents,
        notes=labels.pool_notes(s),
        adjustments=[
            AdjustmentOut(
                for_month=a.for_month,
                subscription_cents=a.subscription_cents,
                user_centric_unallocated_cents=a.user_centric_unallocated_cents,
                **_split(a.lines),
            )
            for a in s.adjustments
        ],
        late_cents=s.late_cents,
    )


class LabelAdjustmentOut(BaseModel):
    for_month: str = Field(description="The closed month this money is for; its own statement stays as closed")
    kind: Literal["late revenue", "refunds after the close"]
    lines: list[LineOut] = Field(description="Split by the closed month's own streams (`streams` are its)")
    pro_rata_cents: int
    user_centric_cents: int


class LabelStatementOut(_StatementHead):
    """A label's own statement (review24n N1): its lines, counts and money only. The pool, the ad and subscription
    totals, the unallocated money and an adjustment's whole amount are the admin's (`StatementOut`): with the pool
    beside its own pro-rata cents and streams, a label would work out every label's count of streams."""

    streams: int = Field(description="The label's own counted streams (the sum of its lines)")
    lines: list[LineOut]
    notes: list[str] = Field(description="Why nothing is shared, when it is not, and the adjustments in words")
    pro_rata_cents: int
    user_centric_cents: int
    adjustments: list[LabelAdjustmentOut] = Field(
        description="The label's part of late money for closed months, paid with this statement (labels._late)"
    )


def label_statement_out(s: labels.Statement) -> LabelStatementOut:
    """`s` is already `labels.for_label`'s: only the label's lines."""
    return LabelStatementOut(
        **_head(s),
        **_split(s.lines),
        notes=labels.label_notes(s),
        adjustments=[
            LabelAdjustmentOut(
                for_month=a.for_month,
                kind="late revenue" if a.subscription_cents > 0 else "refunds after the close",
                **_split(a.lines),
            )
            for a in s.adjustments
            if a.lines
        ],
    )


class LabelOut(BaseModel):
    id: str
    name: str
    kind: str
