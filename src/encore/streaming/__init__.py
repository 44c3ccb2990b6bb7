"""Streaming: which rendition, signed URLs, Range decisions, the file resolver, nginx edge config."""

from encore.streaming._decide import MIME, RENDITIONS, RenditionChoice, choose_rendition
from encore.streaming._delivery import FORMATS, MP3_BITRATES, Delivery, choose_delivery, mp3_kbps
from encore.streaming._issue import IssuedStream, issue_stream_url
from encore.streaming._media import MediaFile, media_file_for
from encore.streaming._nginx import EDGE_LOG_FORMAT, address_ok, render_nginx_config
from encore.streaming._ranges import Full, Partial, RangeDecision, Unsatisfiable, parse_range
from encore.streaming._resolve import CachedResolver, DirectoryResolver, Resolver
from encore.streaming._signing import (
    RENDITION_NAMES,
    Denial,
    SignedUrl,
    StreamGrant,
    VerifiedUrls,
    edge_secret,
    edge_secret_for,
    sign_edge_url,
    sign_stream_url,
    stream_key,
    stream_key_for,
    verify_stream_signature,
)
from encore.streaming._stored import StoredTrack, stored_track
from encore.streaming._transcode import TranscodeSlot, TranscodeSlots, transcode_mp3

__all__ = [
    "EDGE_LOG_FORMAT",
    "FORMATS",
    "MIME",
    "MP3_BITRATES",
    "RENDITIONS",
    "RENDITION_NAMES",
    "CachedResolver",
    "Delivery",
    "Denial",
    "DirectoryResolver",
    "Full",
    "IssuedStream",
    "MediaFile",
    "Partial",
    "RangeDecision",
    "RenditionChoice",
    "Resolver",
    "SignedUrl",
    "StoredTrack",
    "StreamGrant",
    "TranscodeSlot",
    "TranscodeSlots",
    "Unsatisfiable",
    "VerifiedUrls",
    "address_ok",
    "choose_delivery",
    "choose_rendition",
    "edge_secret",
    "edge_secret_for",
    "issue_stream_url",
    "media_file_for",
    "mp3_kbps",
    "parse_range",
    "render_nginx_config",
    "sign_edge_url",
    "sign_stream_url",
    "stored_track",
    "stream_key",
    "stream_key_for",
    "transcode_mp3",
    "verify_stream_signature",
]
