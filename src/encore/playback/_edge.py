"""Edge mode counts too: nginx serves Premium listeners' audio and logs each response (the bytes it sent,
where they start in the file, the URL's signature as its play token); these lines become served spans and
verified streams here, exactly as the byte path's blocks do (`StreamVerifier`, `record_verified_stream`).

A line is trusted only as far as Encore can check it: its URL's signature must verify with an edge secret
Encore holds (a forged or edited line is ignored and counted), its user and file must exist, and it must
have been begun before the URL expired (nginx checks `expires` when a request begins; a line is judged and dated
by its request's start, `t - rt`: review25m F4). Reading is idempotent: spans merge as a union into the play, a
play verifies once, and its record is one per play: keyed by the play's first byte, and refused when the listener
already has a record of the track within the play's window (`_verified_write._same_play`), so re-reading a log (or one
rotated mid-way, read again with its predecessor, whatever was read first) adds nothing (review25m F2).
"""

import hmac
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from encore.accounts import User
from encore.catalog import Rendition, Track
from encore.playback._verified import Verified
from encore.playback._verified_write import play_held, write_verified_stream
from encore.playback._verifier import Coordinates, StreamVerifier
from encore.streaming import sign_edge_url

_URI = re.compile(r"^/edge/([0-9A-Za-z]{22})/(audio/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]+\.(?:ogg|opus))$")
_RANGE = re.compile(r"\Abytes ([0-9]{1,15})-([0-9]{1,15})/([0-9]{1,15})\Z")
MAX_LINE = 8192  # nginx's lines are a few hundred bytes; anything longer is not one of them


@dataclass(frozen=True)
class EdgeHit:
    """One edge response as nginx logged it: `sent` bytes of `media_path` from `start`, to `user`; begun `at`
    (`t - rt`; `t` alone on a line logged before `rt` was) and logged `ended` (`t`: when its last byte went)."""

    at: datetime
    user: str
    media_path: str
    md5: str
    expires: int
    start: int
    sent: int
    kid: str = ""  # the URL's key generation (`&k=`), "" for the first
    ended: datetime | None = None  # None: as `at` (a line without `rt`)


@dataclass(frozen=True)
class EdgeSecret:
    """One key generation's edge secret and when it stopped counting (None: it still does)."""

    secret: str
    retire_at: datetime | None = None


# Whether a stream first heard at this time falls in a month whose royalty statement is closed, asked in the
# transaction that would write it (`labels.closed_for_write`: it takes the money lock a close takes, so the answer
# holds until that transaction ends: review25m F3)
ClosedCheck = Callable[[Session, datetime], bool]


@dataclass
class EdgeReport:
    lines: int = 0
    counted: int = 0  # responses merged into plays
    verified: int = 0  # verified streams newly recorded
    ignored: Counter[str] = field(default_factory=Counter)  # reason -> lines
    # month ("2026-11") -> verified streams not recorded: their month's royalty statement was closed (final)
    in_closed_months: Counter[str] = field(default_factory=Counter)
    # why -> verified streams not paid (`paid_play`): the track was not published when the play verified
    not_paid: Counter[str] = field(default_factory=Counter)


def parse_edge_line(line: str) -> EdgeHit | str:
    """An edge response, or why the line is not one Encore counts (a pure function: no secret, no database)."""
    if len(line) > MAX_LINE:
        return "malformed"
    try:
        raw = json.loads(line)
    except ValueError:
        return "malformed"  # a line cut short by a rotation or a crash is read again with the rest
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("t", "status", "sent", "uri")):
        return "malformed"
    if raw["status"] not in ("200", "206"):
        return "not_served"
    found = _URI.fullmatch(raw["uri"])
    sent, expires, md5 = raw["sent"], str(raw.get("expires", "")), str(raw.get("md5", ""))
    if found is None or not (sent.isascii() and sent.isdigit() and expires.isascii() and expires.isdigit()):
        return "malformed"
    took = _seconds(raw.get("rt", "0"))  # $request_time; absent from lines logged before it was (review25m F4)
    if took is None:
        return "malformed"
    try:
        ended = datetime.fromtimestamp(float(raw["t"]), UTC)
        at = ended - timedelta(seconds=took)
    except (ValueError, OverflowError, OSError):
        return "malformed"
    start = 0
    if raw["status"] == "206":
        span = _RANGE.fullmatch(str(raw.get("range", "")))
        if span is None:
            return "malformed"
        start = int(span[1])
    if int(sent) == 0:
        return "not_served"
    kid = str(raw.get("k", ""))
    if len(kid) > 9 or not (kid == "" or (kid.isascii() and kid.isdigit())):
        return "malformed"
    return EdgeHit(at, found[1], found[2], md5, int(expires[:12]), start, int(sent), kid, ended)


_SECONDS = re.compile(r"\A[0-9]{1,9}(?:\.[0-9]{1,6})?\Z")


def _seconds(value: object) -> float | None:
    """nginx's `$request_time` ("0.004", seconds with milliseconds), or None when it is not one."""
    return float(value) if isinstance(value, str) and _SECONDS.fullmatch(value) else None


def edge_signature_ok(hit: EdgeHit, secrets: Mapping[str, EdgeSecret]) -> bool:
    """Whether the logged URL was signed with the edge secret of its key generation while that counted
    (nginx checked it; the log could have been written by anyone who can write the file)."""
    found = secrets.get(hit.kid)
    if found is None or (found.retire_at is not None and hit.at >= found.retire_at):
        return False
    signed = sign_edge_url(secret=found.secret, user=hit.user, media_path=hit.media_path, expires=hit.expires)
    expected = parse_qs(urlsplit(signed.path).query)["md5"][0]
    return hmac.compare_digest(expected.encode(), hit.md5.encode())


@dataclass(frozen=True)
class _File:
    track: str
    rendition: str
    size: int
    duration_ms: int


def ingest_edge_log(
    sessions: sessionmaker[Session],
    *,
    lines: Iterable[str],
    secrets: Mapping[str, EdgeSecret],
    verifier: StreamVerifier,
    report: EdgeReport | None = None,
    closed: ClosedCheck | None = None,
    forgotten: Callable[[Session, Verified], object] | None = None,
) -> EdgeReport:
    """Turn nginx's edge log lines into served spans and verified streams; what was ignored, and why. Lines
    are read one at a time, each counted in `report` (given, or new) before the next is asked for.

    A stream whose first byte falls in a month `closed` says is closed (its royalty statement is stored and final;
    asked in the transaction that would write it, per stream: review25m F3) is not recorded, and counted in
    `in_closed_months`: recorded, the label's chart would show a stream that no statement pays (review21 F3). A log
    read at least daily is read before its month closes.
    `forgotten` is called in the transaction of each stream written: it de-identifies a stream whose listener forgot
    the range holding its first byte before the log was read (`portability.forgotten_kept_stream`, as the byte
    path's write and the outbox's drain do: review24s H2)."""
    report = report if report is not None else EdgeReport()
    files: dict[str, _File | None] = {}
    users: dict[str, bool] = {}
    with sessions() as session:
        for line in lines:
            report.lines += 1
            why = _ingest_line(session, line.strip(), secrets, verifier, files, users, report, closed, forgotten)
            if why is not None:
                report.ignored[why] += 1
    return report


def _ingest_line(  # noqa: PLR0917 - one line and the lookups shared across the log
    session: Session,
    line: str,
    secrets: Mapping[str, EdgeSecret],
    verifier: StreamVerifier,
    files: dict[str, _File | None],
    users: dict[str, bool],
    report: EdgeReport,
    closed: ClosedCheck | None,
    forgotten: Callable[[Session, Verified], object] | None,
) -> str | None:
    if not line:
        return "malformed"
    hit = parse_edge_line(line)
    if isinstance(hit, str):
        return hit
    if not edge_signature_ok(hit, secrets):
        return "bad_signature"
    if hit.at.timestamp() > hit.expires + 1:  # nginx refuses an expired URL when the request begins: a line begun
        return "expired"  # after it is forged (one begun before and ended after was served: review25m F4)
    if hit.user not in users:
        users[hit.user] = session.scalar(select(User.id).where(User.public_id == hit.user)) is not None
    if hit.media_path not in files:
        files[hit.media_path] = _file(session, hit.media_path)
    found = files[hit.media_path]
    if not users[hit.user] or found is None:
        return "unknown_token"
    verified = verifier.merge_now(
        Coordinates(
            user=hit.user,
            track=found.track,
            duration_ms=found.duration_ms,
            rendition=found.rendition,
            size=found.size,
            spans=((hit.start, min(found.size, hit.start + hit.sent)),),
            first_byte_at=hit.at,
        )
    )
    report.counted += 1
    if verified is not None:
        _write(session, verified, hit.ended or hit.at, report, closed=closed, forgotten=forgotten)
    return None


def _write(
    session: Session,
    verified: Verified,
    at: datetime,
    report: EdgeReport,
    *,
    closed: ClosedCheck | None,
    forgotten: Callable[[Session, Verified], object] | None,
) -> None:
    """A stream verified by the line sent until `at`: paid only if the track was published then (a withdrawal does
    not stop an edge URL nginx holds, as the byte path stops its own within a second); not written into a closed
    month, asked in this transaction (`closed` may take the money lock: the commit below ends it)."""
    if closed is not None and closed(session, verified.first_byte_at):
        if not play_held(session, verified=verified):  # a log read again after its month closed was counted
            report.in_closed_months[f"{verified.first_byte_at:%Y-%m}"] += 1  # then: no alarm (review21c F5)
        session.commit()
        return
    written = write_verified_stream(session, verified=verified, verified_at=at)
    if written.written:
        report.verified += 1
        if forgotten is not None:
            forgotten(session, verified)
    elif written.reason not in {"repeat_or_at_once", "unknown_listener_or_track"}:
        report.not_paid[written.reason] += 1
    session.commit()


def _file(session: Session, media_path: str) -> _File | None:
    row = session.execute(
        select(Track.public_id, Rendition.kind, Rendition.size, Track.duration_ms)
        .join(Track, Track.id == Rendition.track_id)
        .where(Rendition.media_path == media_path)
    ).one_or_none()
    return None if row is None else _File(row[0], row[1], row[2], row[3])
