"""`encore billing backfill --since 2026-01-01`: the money Stripe received that Encore did not keep (an install
from before it kept payments, or webhooks that did not reach it), so royalty statements count it, and the
subscriptions as Stripe has them now, so who has Premium is right again."""

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from encore import billing
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.cli._shown import shown
from encore.kernel import EncoreError

billing_app = typer.Typer(help="Card payments: what statements count.", no_args_is_help=True)


@billing_app.command("backfill")
def backfill(
    since: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="The first day (UTC) of Stripe items to read"),
    ],
) -> None:
    """Read what Stripe received and gave back from a day on and keep what Encore missed: refunds made from that
    day, invoices made from two months before it (Stripe's retries), every lost dispute; then set each
    subscription not over before that day as Stripe has it now.

    Safe to run again: what is kept already stays as it is. Closed statements do not change; open months count
    the money found, and money found for a closed month is carried into the first open one after it."""
    c = open_install()
    try:
        provider = billing.stripe_provider(c.settings)
        if provider is None:
            err.print("[red]Stripe is not configured[/red] (ENCORE_STRIPE_SECRET_KEY, _WEBHOOK_SECRET and _PRICE_ID).")
            raise typer.Exit(2)
        try:
            outcomes = billing.backfill_payments(
                c.sessions, provider=provider, since=since.replace(tzinfo=UTC), now=c.clock.now(),
                plan=c.settings.premium_plan,
            )  # fmt: skip
        except EncoreError as exc:
            err.print(f"[red]{shown(exc)}[/red]")
            raise typer.Exit(1) from exc
        table = Table("outcome", "items")
        for outcome, n in sorted(outcomes.items()):
            table.add_row(outcome, str(n))
        console.print(table if outcomes else f"Stripe lists nothing from {since:%Y-%m-%d} on.")
    finally:
        c.close()
