"""Streaming: which rendition, signed URLs, Range decisions, the file resolver, nginx edge config."""

from encore.streaming._decide import MIME, RENDITIONS, RenditionChoice, choose_rendition
from encore.streaming._issue import IssuedStream, issue_stream_url
from encore.streaming._media import MediaFile, media_file_for
from encore.streaming._nginx import render_nginx_config
from encore.streaming._ranges import Full, Partial, RangeDecision, Unsatisfiable, parse_range
from encore.streaming._resolve import CachedResolver, DirectoryResolver, Resolver
from encore.streaming._signing import (
    RENDITION_NAMES,
    Denial,
    SignedUrl,
    StreamGrant,
    edge_secret,
    sign_edge_url,
    sign_stream_url,
    stream_key,
    verify_stream_signature,
)

__all__ = [
    "MIME",
    "RENDITIONS",
    "RENDITION_NAMES",
    "CachedResolver",
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
    "StreamGrant",
    "Unsatisfiable",
    "choose_rendition",
    "edge_secret",
    "issue_stream_url",
    "media_file_for",
    "parse_range",
    "render_nginx_config",
    "sign_edge_url",
    "sign_stream_url",
    "stream_key",
    "verify_stream_signature",
]
