"""Playback: may this listener hear this track now, and what did they hear. The stream decision every face
calls before it hands out music (`next_stream_decision`; `playable` where no ad screen shows, swapping in the
owed ad), the free tier's ad clock (`AdClockBook`) charged from what the byte path sent (`sent_count`), and ad
breaks as the listener meets them. The signed URLs it hands out, a track's (`music_url`) and an ad's (`ad_url`).
What a client says was heard (`report_client_play`, `scrobble`), checked against what it may hear."""

from encore.playback._adaudio import AdAudio, AdAudioCount
from encore.playback._blocks import (
    LOST,
    BlockCount,
    Counted,
    CountsSent,
    Hold,
    Pace,
    Record,
    Tap,
    TapFactory,
    Verifying,
    VerifyOnly,
    block_count,
    counted_transcode,
    recorded,
)
from encore.playback._breaks import complete_ad_break, start_ad_break
from encore.playback._clockbook import AdClockBook
from encore.playback._clockdoc import forget_clock
from encore.playback._clockstate import ClockState, PlayNames
from encore.playback._counts import sent_count
from encore.playback._decide import (
    StreamDecision,
    content_verdicts,
    may_hear,
    next_stream_decision,
    refusal_message,
)
from encore.playback._edge import (
    EdgeHit,
    EdgeReport,
    EdgeSecret,
    edge_signature_ok,
    ingest_edge_log,
    parse_edge_line,
)
from encore.playback._forgotten import HANDLERS, REKEY, REKEY_KEY, rekey_forgotten_streams
from encore.playback._locks import MAX_LOCK_IDS, Lock, locked_tracks
from encore.playback._models import AdClockRow
from encore.playback._music_reach import heard_as_music
from encore.playback._outbox import (
    ASIDE_KEEP_S,
    Aside,
    Drained,
    StateOutbox,
    VerifiedOutbox,
    write_or_keep,
)
from encore.playback._outbox_shared import SharedOutbox
from encore.playback._outbox_spool import SpoolOutbox
from encore.playback._paid import Paid, paid_play
from encore.playback._playable import Playable, playable
from encore.playback._playtap import Charge, PlayTap
from encore.playback._reports import ClientPlay, PlayRefused, Scrobble, report_client_play, scrobble
from encore.playback._served import index_probe
from encore.playback._urls import StreamRefused, ad_url, music_url
from encore.playback._verified import VERIFY_MIN_MS, Verified, VerifiedStream, play_key_secret
from encore.playback._verified_own import OwnStream, deidentify_verified_streams, own_verified_streams
from encore.playback._verified_write import Written, record_verified_stream, write_verified_stream
from encore.playback._verifier import Coordinates, StreamCount, StreamVerifier
from encore.playback._words import may_read_lyrics, readable_lyrics

__all__ = [
    "ASIDE_KEEP_S",
    "HANDLERS",
    "LOST",
    "MAX_LOCK_IDS",
    "REKEY",
    "REKEY_KEY",
    "VERIFY_MIN_MS",
    "AdAudio",
    "AdAudioCount",
    "AdClockBook",
    "AdClockRow",
    "Aside",
    "BlockCount",
    "Charge",
    "ClientPlay",
    "ClockState",
    "Coordinates",
    "Counted",
    "CountsSent",
    "Drained",
    "EdgeHit",
    "EdgeReport",
    "EdgeSecret",
    "Hold",
    "Lock",
    "OwnStream",
    "Pace",
    "Paid",
    "PlayNames",
    "PlayRefused",
    "PlayTap",
    "Playable",
    "Record",
    "Scrobble",
    "SharedOutbox",
    "SpoolOutbox",
    "StateOutbox",
    "StreamCount",
    "StreamDecision",
    "StreamRefused",
    "StreamVerifier",
    "Tap",
    "TapFactory",
    "Verified",
    "VerifiedOutbox",
    "VerifiedStream",
    "VerifyOnly",
    "Verifying",
    "Written",
    "ad_url",
    "block_count",
    "complete_ad_break",
    "content_verdicts",
    "counted_transcode",
    "deidentify_verified_streams",
    "edge_signature_ok",
    "forget_clock",
    "heard_as_music",
    "index_probe",
    "ingest_edge_log",
    "locked_tracks",
    "may_hear",
    "may_read_lyrics",
    "music_url",
    "next_stream_decision",
    "own_verified_streams",
    "paid_play",
    "parse_edge_line",
    "play_key_secret",
    "playable",
    "readable_lyrics",
    "record_verified_stream",
    "recorded",
    "refusal_message",
    "rekey_forgotten_streams",
    "report_client_play",
    "scrobble",
    "sent_count",
    "start_ad_break",
    "write_or_keep",
    "write_verified_stream",
]
