"""`encore edge ingest-log FILE`: nginx's log of the Premium audio it served (edge mode) becomes verified
streams, so labels are paid for edge plays too. Safe to run again on the same file or on a log rotated
mid-way (nothing is counted twice); run it from cron or after each rotation."""

import gzip
import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer

from encore import labels, playback, portability
from encore.bootstrap import Container
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.keys import LEGACY, load_keyring
from encore.streaming import address_ok, edge_secret_for, render_nginx_config

edge_app = typer.Typer(help="Edge mode: nginx serves Premium listeners' audio.", no_args_is_help=True)


def _open(file: Path) -> TextIO:
    """A log as text; a rotated log logrotate compressed (`edge.log.2.gz`) is read through gzip."""
    with file.open("rb") as head:
        gzipped = head.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(file, "rt", encoding="utf-8", errors="replace", newline="\n")
    return file.open(encoding="utf-8", errors="replace", newline="\n")


def _lines(files: list[Path], report: playback.EdgeReport, unreadable: dict[Path, str]) -> Iterator[str]:
    """Each file's lines; a file that had lines but not one nginx edge line among them goes to `unreadable`
    with the reason (the ingest counts each line in `report` before asking for the next, so a file's malformed
    lines are the count's growth while it was read)."""
    for file in files:
        lines, malformed = report.lines, report.ignored["malformed"]
        if not file.exists():  # probe25b L2: `edge.log.1 edge.log` before the first rotation still reads edge.log
            unreadable[file] = "does not exist (not rotated yet, or a wrong name): the other files were read"
            continue
        try:
            with _open(file) as text:
                yield from text
        except (OSError, EOFError) as exc:  # a gzip cut short or corrupt: what was read of it still counts
            unreadable[file] = f"unreadable after line {report.lines - lines} ({exc})"
            continue
        read = report.lines - lines
        if read and report.ignored["malformed"] - malformed == read:
            unreadable[file] = "no line of it is an nginx edge log line (not edge.log, or damaged)"


def edge_secrets(c: Container, *, live_only: bool) -> dict[str, playback.EdgeSecret]:
    """Each key generation's edge secret by the `k` its URLs carry ("" for the first): every one the
    keyring holds (a log line is checked against the key that counted when it was served), or with
    `live_only` those that count now (what nginx accepts)."""
    secret, now = c.settings.secret_key.get_secret_value(), c.clock.now()
    with c.sessions() as session:
        ring = load_keyring(session)
    return {
        "" if key.kid == LEGACY else str(key.kid): playback.EdgeSecret(edge_secret_for(secret, key), key.retire_at)
        for key in ring.keys
        if not live_only or key.live(now)
    }


def _write_private(path: Path, text: str) -> None:
    """`text` as `path`, mode 0600 from its first byte (the config holds the edge secrets; nginx's master
    reads it as root, its workers never do), swapped in whole so a reload never reads half a file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _stdout_shared() -> bool:
    """Whether stdout is a file others may read (`> /etc/nginx/encore.conf` under the usual umask 022)."""
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a test's capture, a closed stream)
        return False
    return stat.S_ISREG(mode) and bool(mode & 0o077)


def _emit(config: str, output: Path | None) -> None:
    if output is None:
        if _stdout_shared():
            err.print(
                "[yellow]Warning:[/yellow] the file this went to is readable by others, and it holds the edge "
                "secrets: chmod 600 it, or use --output FILE (written 0600)."
            )
        typer.echo(config, nl=False)
        return
    try:
        _write_private(output, config)
    except OSError as exc:
        err.print(f"[red]Could not write {output}:[/red] {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    err.print(f"Wrote {output} (0600). Start nginx with: nginx -p PREFIX -c {output.resolve()}; reload with -s reload")


def print_nginx_config(c: Container, *, listen: str, upstream: list[str], output: Path | None = None) -> None:
    """`encore nginx-config`: the config for the keys that count now, printed or written 0600 to `output` (a bad
    address is one line, exit 2)."""
    try:
        for address in (listen, *upstream):
            if not address_ok(address):
                err.print(f"[red]Not a host:port address:[/red] {address!r} (e.g. 10.0.0.11:8000)")
                raise typer.Exit(2)
        if c.settings.streaming_mode != "edge":
            err.print(
                "[yellow]Note:[/yellow] ENCORE_STREAMING_MODE is not edge, so Encore signs no /edge/ URLs and this"
                " config's edge part stays unused (nginx only balances); set ENCORE_STREAMING_MODE=edge on every node."
            )
        live = edge_secrets(c, live_only=True)
        with c.sessions() as session:
            pending = load_keyring(session).edge_pending(c.clock.now())
    finally:
        c.close()
    first = live.pop("", None)
    config = render_nginx_config(
        listen=listen,
        media_root=c.store.root,
        edge_secret=None if first is None else first.secret,
        edge_secrets={int(kid): s.secret for kid, s in live.items()},
        upstream=upstream,
    )
    _emit(config + "\n", output)
    if pending and c.settings.streaming_mode == "edge":  # published, not yet used: the rotation's step 3
        err.print(
            f"Key {pending[0].kid} is in this config; edge URLs use it once nginx runs it: reload nginx, then run"
            " `encore keys edge-ready`."
        )


@edge_app.command("ingest-log")
def ingest_log(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="nginx's edge.log; after a rotation, the old then the new. A missing or unreadable file is named and"
            " the others are still read (exit 1 then)"
        ),
    ],
) -> None:
    """Read nginx's edge log into served spans and verified streams; report what was ignored and why.

    A play whose lines straddle a rotation is counted whole when both files are read in one run (oldest
    first), or across runs when ENCORE_REDIS_URL keeps the plays' spans between them."""
    c = open_install()
    try:
        secrets = edge_secrets(c, live_only=False)
        report, unreadable = playback.EdgeReport(), dict[Path, str]()
        lines = _lines(files, report, unreadable)
        playback.ingest_edge_log(
            c.sessions,
            lines=lines,
            secrets=secrets,
            verifier=c.verifier,
            report=report,
            closed=lambda session, at: labels.closed_for_write(session, at, now=c.clock.now()),  # per stream
            forgotten=lambda session, verified: portability.forgotten_kept_stream(session, verified=verified),
        )
    finally:
        c.close()
    ignored = sum(report.ignored.values())
    console.print(
        f"{report.lines} lines: {report.counted} edge responses counted, {report.verified} verified streams "
        f"recorded, {ignored} ignored" + "".join(f"\n  {reason}: {n}" for reason, n in sorted(report.ignored.items()))
    )
    if report.not_paid:  # the track was not published when the play verified: as the byte path, none is paid
        console.print(
            f"{sum(report.not_paid.values())} verified stream(s) not paid: the track was not published when the "
            "play verified" + "".join(f"\n  {reason}: {n}" for reason, n in sorted(report.not_paid.items()))
        )
    for file, why in unreadable.items():  # a wrong file, not a few bad lines: cron must hear of streams not counted
        err.print(f"[red]{file}:[/red] {why}")
    for month, n in sorted(report.in_closed_months.items()):  # streams not counted either: cron must hear of them
        err.print(
            f"[bold]{n} verified stream(s) of {month} not recorded: its royalty statement is closed and final, so "
            "no label would be paid for them. Read the edge log at least daily: a month is closed 4 days after "
            "its end at the earliest.[/bold]"
        )
    if unreadable or report.in_closed_months:
        raise typer.Exit(1)
