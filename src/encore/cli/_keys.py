"""`encore keys rotate | edge-ready`: a new signing key, published to nginx before it signs edge URLs.

Encore's own stream URLs take a new key within 30 s; nginx knows only the keys of the config it runs. So in edge
mode a new key first goes into the config (`encore nginx-config`), nginx is reloaded, and `encore keys
edge-ready` sees nginx accept it; only then do edge URLs use it (`keys.Keyring.for_edge`). Until then they stay
signed with the newest key nginx was seen to accept, while it counts; with none (`--grace 0`), Encore's own
byte path serves Premium audio. A rotation alone never makes nginx refuse a new URL (probe21b F1)."""

import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from encore import incident, keys
from encore.cli._console import err
from encore.cli._security import _migrated
from encore.db import transaction
from encore.streaming import edge_secret_for, sign_edge_url

keys_app = typer.Typer(help="Signing and encryption keys.", no_args_is_help=True)
console = Console(soft_wrap=True)

MAX_GRACE_S = 90 * 86_400  # key_grace_s's upper bound (config)
# What the probe asks nginx for: a path of the served shape whose file cannot exist (no content hashes to zeros),
# so nginx answers 404 once it accepts the URL's key and 403 while it does not. Its log line is a 404, which the
# ingest ignores as not served.
PROBE_USER = "0" * 22
PROBE_MEDIA = f"audio/00/{'0' * 64}.probe.ogg"
NGINX_ACCEPTS, NGINX_REFUSES = 404, 403


@keys_app.command("rotate")
def rotate(
    grace: Annotated[
        int | None,
        # the bounds of key_grace_s: a slipped sign (-1) ended every open stream URL at once (probe20 N8)
        typer.Option(
            help="Seconds the previous keys keep working (default: ENCORE_KEY_GRACE_S, or 86400: a day)",
            min=0,
            max=MAX_GRACE_S,
        ),
    ] = None,
) -> None:
    """Sign stream URLs and seal app passwords with a new key; the previous keys count for the grace period.
    In edge mode, edge URLs move to the new key once `encore keys edge-ready` sees nginx accept it."""
    c = _migrated()
    try:
        seconds = c.settings.key_grace_s if grace is None else grace
        with transaction(c.sessions) as session:
            done = incident.rotate_keys(
                session,
                secret=c.settings.secret_key.get_secret_value().encode(),
                now=c.clock.now(),
                grace=timedelta(seconds=seconds),
            )
        now, ring = c.clock.now(), c.keyring.refresh()
        edge, ttl = c.settings.streaming_mode == "edge", timedelta(seconds=c.settings.stream_url_ttl_s)
    finally:
        c.close()
    console.print(
        f"[green]Key {done.kid} is current.[/green] Previous keys work until {done.previous_until:%Y-%m-%d %H:%M} "
        f"UTC; {done.resealed} app passwords resealed. Running servers switch within 30 s."
    )
    if done.unreadable:
        err.print(
            f"[yellow]{done.unreadable} app passwords could not be opened[/yellow] (sealed under a key that had "
            "already retired, or under another ENCORE_SECRET_KEY): those devices must be set up again."
        )
    if edge:
        console.print(_edge_steps(done, ring.for_edge(now, until=now + ttl), ttl, now=now))


def _edge_steps(done: incident.Rotation, signer: keys.Key | None, ttl: timedelta, *, now: datetime) -> str:
    if signer is not None and signer.retire_at is not None:
        meanwhile = (
            f"edge URLs stay signed with key {signer.kid}, which the running nginx accepts, until "
            f"{signer.retire_at - ttl:%Y-%m-%d %H:%M} UTC; after that the Encore nodes send Premium audio themselves"
        )
    else:  # nothing nginx holds counts long enough: a URL it would refuse is never handed out
        meanwhile = "the Encore nodes send Premium audio themselves (more load on them), not nginx"
    retired_now = done.previous_until <= now
    leaked = (
        "\n[bold red]The previous keys stopped counting now.[/bold red] nginx still accepts URLs made with them "
        "until it is reloaded: if a key leaked, whoever holds it can fetch any Premium audio through nginx until "
        "step 2 is done, so do it now (Encore no longer counts what nginx serves under them)."
        if retired_now
        else ""
    )
    last = (
        ""
        if retired_now  # step 1's config already leaves them out
        else f"\n  4. after {done.previous_until:%Y-%m-%d %H:%M} UTC: steps 1 and 2 again, so nginx stops accepting "
        "the previous keys"
    )
    return (
        f"[bold]Edge mode:[/bold] the running nginx does not know key {done.kid} yet. Until step 3, {meanwhile}."
        f"{leaked}\n"
        "  1. encore nginx-config --listen ... --upstream ... --output /etc/nginx/encore.conf\n"
        "  2. on every nginx: nginx -p PREFIX -c /etc/nginx/encore.conf -s reload\n"
        f"  3. encore keys edge-ready   (checks that nginx at ENCORE_EDGE_BASE_URL accepts key {done.kid}, then "
        f"edge URLs use it within 30 s){last}"
    )


def probe_edge(base_url: str, *, secret: str, kid: int, now: datetime) -> int | str:
    """nginx's status for an edge URL signed with `secret` (404: it accepts the key; 403: it does not), or
    why it could not be asked."""
    expires = int(now.timestamp()) + 600
    path = sign_edge_url(secret=secret, user=PROBE_USER, media_path=PROBE_MEDIA, expires=expires, kid=kid).path
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + path, timeout=10) as answer:  # noqa: S310 - the operator's own URL
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))


def _said(status: int | str) -> str:
    if status == NGINX_REFUSES:
        return "refuses it (403): write the config again (encore nginx-config --output ...) and reload nginx."
    if isinstance(status, str):
        return f"could not be asked ({status}); from a host that cannot reach it, use --no-check."
    return f"answered {status}, not 404: is ENCORE_EDGE_BASE_URL the nginx that runs Encore's config?"


@keys_app.command("edge-ready")
def edge_ready(
    check: Annotated[
        bool, typer.Option(help="Ask nginx at ENCORE_EDGE_BASE_URL first (--no-check: you reloaded every nginx)")
    ] = True,
) -> None:
    """After `encore keys rotate`, writing the nginx config again and reloading nginx: let edge URLs use the
    new key. Refused while nginx (at ENCORE_EDGE_BASE_URL) still refuses URLs made with it."""
    c = _migrated()
    try:
        if c.settings.streaming_mode != "edge":  # no nginx to ask, no edge URL to move (review32c L8)
            console.print(
                f"Not in edge mode (ENCORE_STREAMING_MODE is {c.settings.streaming_mode}): nothing to do. Encore's"
                " own stream URLs use a new key within 30 s of `encore keys rotate`."
            )
            return
        now, secret = c.clock.now(), c.settings.secret_key.get_secret_value()
        with c.sessions() as session:
            pending = keys.load_keyring(session).edge_pending(now)
        if not pending:
            console.print("Nothing to do: nginx was already seen to accept every key that counts.")
            return
        for key in pending if check else ():
            status = probe_edge(c.settings.edge_base_url, secret=edge_secret_for(secret, key), kid=key.kid, now=now)
            if status != NGINX_ACCEPTS:
                err.print(f"[red]Not ready (key {key.kid}):[/red] nginx at {c.settings.edge_base_url} {_said(status)}")
                raise typer.Exit(1)
        with transaction(c.sessions) as session:
            keys.mark_edge_ready(session, kids=[k.kid for k in pending], now=now)
    finally:
        c.close()
    kids = ", ".join(str(k.kid) for k in pending)
    console.print(f"[green]Edge URLs use key {pending[0].kid} within 30 s[/green] (nginx accepts key {kids}).")
