"""Stage 1, probe: is this audio, what does it declare, and which audio is it (hash of the packets)?"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from encore.ingest._archives import HEAD_BYTES, archive_kind, archive_refusal
from encore.ingest._errors import CorruptAudioError, IngestError, NotAudioError, RejectedAudioError
from encore.storage import NotAudioContainerError, open_audio, sniffs_as_audio

log = logging.getLogger(__name__)
UNREADABLE = "not a readable audio file: Encore finds no audio it can read in it; check the file and export it again"

MAX_DURATION_S = 4 * 3600


@dataclass(frozen=True)
class Probe:
    audio_hash: str
    codec: str
    declared_s: float | None


def probe(path: Path) -> Probe:
    """Content decides, not the extension. The hash covers audio packets only, so retagging keeps it."""
    import av  # where used: a serving process that never ingests does not map PyAV (#16)

    if path.stat().st_size == 0:
        raise NotAudioError("file is empty")
    with path.open("rb") as f:
        if kind := archive_kind(f.read(HEAD_BYTES)):
            raise NotAudioError(archive_refusal(kind))
    try:
        with open_audio(path, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise NotAudioError("no audio stream (not an audio file)")
            stream = container.streams.audio[0]
            digest = hashlib.sha256()
            packets = 0
            for packet in container.demux(stream):
                if packet.size:
                    digest.update(bytes(packet))
                    packets += 1
            declared = float(container.duration) / 1_000_000 if container.duration else None
            codec = stream.codec_context.name
    except IngestError:
        raise
    except NotAudioContainerError as exc:
        raise NotAudioError(f"not a readable audio file ({exc})") from exc
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:  # the decoder's words to the log (probe24b F7)
        log.info("probing %s failed: %r", path.name, _short(exc, path))
        raise NotAudioError(UNREADABLE) from exc
    if packets == 0:
        if not sniffs_as_audio(path):  # a demuxer took it by its extension alone (text named x.flac)
            raise NotAudioError(UNREADABLE)
        raise CorruptAudioError("corrupt or truncated audio: no audio packets")
    if declared is not None and declared > MAX_DURATION_S:
        raise RejectedAudioError("audio longer than 4 hours is not accepted")
    return Probe(digest.hexdigest(), codec, declared)


def _short(exc: Exception, path: Path) -> str:
    text = str(exc).replace(f": '{path}'", "").strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__
