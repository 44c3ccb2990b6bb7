"""A listener's ad clock document on the shared state (`adclock:{user id}`), parsed: the clock, the open
plays and which two are playing; the keys of it and of its companions; how a step marks it changed."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from encore.playback._clockstate import ClockState, from_us, to_us
from encore.state import Doc, SharedState

DIRTY = "adclock:dirty"  # queue of user ids whose clock changed since it was last written


def clock_key(user_id: int) -> str:
    return f"adclock:{user_id}"


WHO_PREFIX = "adclock:who:"  # each free listener's user id, by public id


def who_key(user: str) -> str:
    return WHO_PREFIX + user


def spans_key(user_id: int, track: str) -> str:
    return f"adclock:spans:{user_id}:{track}"


@dataclass
class ClockDoc:
    """One listener's document on the shared state, parsed. `plays` maps a track's public id to its newest
    play, oldest first: [track id, length ms, issued at (µs), charged ms]. `last` and `prev` name the plays
    an honest player is playing and has prefetched."""

    state: ClockState
    plays: dict[str, list[int]] = field(default_factory=dict)
    last: str | None = None
    prev: str | None = None
    dirty: bool = False
    version: int = 0

    @classmethod
    def parse(cls, doc: Doc) -> "ClockDoc":
        s = doc["s"]
        state = ClockState(s[0], s[1], from_us(s[2]), s[3], from_us(s[4]), s[5])
        plays = {k: list(v) for k, v in doc["p"].items()}  # copies: the caller compares against `doc`
        return cls(state, plays, doc.get("l"), doc.get("b"), doc.get("d", False), doc.get("v", 0))

    def dump(self) -> Doc:
        s = self.state
        return {
            "s": [
                s.listened_ms,
                s.last_track_id,
                to_us(s.last_issued_at),
                s.last_duration_ms,
                to_us(s.last_ad_at),
                s.last_served_ms,
            ],
            "p": self.plays,
            "l": self.last,
            "b": self.prev,
            "d": self.dirty,
            "v": self.version,
        }

    def charge(self, track: str, heard: int) -> None:
        """Charge the play up to `heard`; for the last track, that audio also stops counting as pending."""
        play = self.plays[track]
        delta = heard - play[3]
        if delta <= 0:
            return
        play[3] = heard
        st = self.state
        served = st.last_served_ms + delta if track == self.last else st.last_served_ms
        self.state = replace(st, listened_ms=st.listened_ms + delta, last_served_ms=served)

    def allowed(self, track: str, limit_ms: int) -> bool:
        """Whether `track`'s play may send more: always for the last two plays, otherwise while no ad is owed."""
        return track in (self.last, self.prev) or self.state.listened_ms < limit_ms


def charge_doc(raw: Doc, track: str, heard: int) -> bool:
    """`ClockDoc.charge` and `finish` on the stored document itself (a step's own copy), without parsing every
    open play: the path each block sent takes. Whether the clock just became dirty."""
    play = raw["p"][track]
    delta = heard - play[3]
    if delta <= 0:
        return False
    play[3] = heard
    s = raw["s"]
    s[0] += delta
    if track == raw.get("l"):
        s[5] += delta
    was_dirty = bool(raw.get("d", False))
    raw["d"], raw["v"] = True, raw.get("v", 0) + 1
    return not was_dirty


def finish(raw: Doc | None, clock: ClockDoc) -> tuple[Doc | None, bool]:
    """The document to store, marked dirty (and versioned) when it changed; and whether it just became dirty."""
    if raw is not None and clock.dump() == raw:
        return raw, False
    was_dirty = clock.dirty
    clock.dirty, clock.version = True, clock.version + 1
    return clock.dump(), not was_dirty


def mark(*, dirty: bool, version: int | None) -> Callable[[list[Doc | None]], tuple[list[Doc | None], None]]:
    """Mark a clock document clean (only if still at `version`: a later change keeps it dirty) or dirty."""

    def step(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        raw = docs[0]
        if raw is None or (version is not None and raw["v"] != version):
            return docs, None
        return [{**raw, "d": dirty}], None

    return step


def forget_clock(state: SharedState, *, user_id: int, public_id: str) -> None:
    """Drop a deleted account's clock from the shared state: on SQLite a new account may be given the same id,
    and would inherit an owed ad or a clock running (probe17b: its first stream was `ad_break_due`). A block
    still charged for it afterwards finds no clock and charges nothing (the charge's NO_PLAY)."""
    state.delete(clock_key(user_id), who_key(public_id))
