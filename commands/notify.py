"""``provwatch notify``: send a test message, list the outbox, flush it."""

from __future__ import annotations

import sys

import click

from commands.context import (
    EXIT_USAGE,
    Context,
    delivery_limits_or_fail,
    echo_lines,
    env_notify_urls,
    locked,
    notify_config_option,
    notify_urls_option,
    targets_or_fail,
)
from crawler.run.nightly import EXIT_CANNOT_RUN, EXIT_LOCKED, EXIT_OK
from notify.messages import article_message
from notify.outbox import SAMPLE_ALERT, pending_lines, send_line
from notify.send import deliver_with_apprise, send_pending
from notify.targets import (
    merge_targets,
)

EXIT_DELIVERY_FAILED = 3  # notify send: the command ran, some messages were not delivered


NOTIFY_SEND_EXIT_HELP = f"""
\b
Exit codes:
  {EXIT_OK}   every message was delivered (or nothing was pending)
  {EXIT_CANNOT_RUN}   nothing could be sent (bad target URL or config, database error)
  {EXIT_USAGE}   bad command-line usage
  {EXIT_DELIVERY_FAILED}   some messages failed; they stay queued (up to
      PROVWATCH_MAX_ATTEMPTS tries) and the errors are listed
  {EXIT_LOCKED}  another provwatch run holds the lock on this database
"""


@click.group()
def notify() -> None:
    """Inspect and flush the alert outbox, or send a test message."""


@notify.command("test")
@click.argument("url", required=False)
@notify_config_option
@click.pass_obj
def notify_test(ctx: Context, url: str | None, notify_config: str | None) -> None:
    """Send a sample alert to URL (or to the configured targets) and say if it arrived."""
    targets = merge_targets(targets_or_fail(env_notify_urls([url] if url else []), notify_config))
    if not targets:
        raise click.UsageError("give an apprise URL, --notify-config or PROVWATCH_NOTIFY")
    _, timeout = delivery_limits_or_fail(ctx)
    message = article_message(SAMPLE_ALERT)
    failures = 0
    for target in targets:
        outcome = deliver_with_apprise(target, message, read_timeout=timeout,
                                       telegram_api=ctx.setting("PROVWATCH_TELEGRAM_API"))
        status = "sent" if outcome.ok else f"FAILED: {outcome.error or ''}"
        click.echo(f"{target.label}: {status}")
        failures += not outcome.ok
    if failures:
        raise click.ClickException(f"{failures} of {len(targets)} targets failed")


@notify.command("pending")
@notify_urls_option
@notify_config_option
@click.pass_obj
def notify_pending(ctx: Context, notify_urls: tuple[str, ...],
                   notify_config: str | None) -> None:
    """List alerts still to be sent (per target when targets are configured).

    Alerts sent, skipped (a new target's backlog) or given up everywhere, and alerts older
    than PROVWATCH_ALERT_MAX_AGE_DAYS, are not listed.
    """
    store = ctx.open_store()
    targets = merge_targets(targets_or_fail(env_notify_urls(notify_urls), notify_config))
    attempts, _ = delivery_limits_or_fail(ctx)
    echo_lines(pending_lines(store, targets, ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                              attempts))


@notify.command("send", epilog=NOTIFY_SEND_EXIT_HELP)
@notify_urls_option
@notify_config_option
@click.option("--digest", is_flag=True, help="One message per target, grouped by province.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--backlog", is_flag=True,
              help="Send a new target (one never sent to) the older backlog too: alerts "
                   "queued before the last send to the other targets. Without it they are "
                   "skipped for that target; newer ones are sent either way.")
@click.pass_obj
def notify_send(ctx: Context, notify_urls: tuple[str, ...], notify_config: str | None,
                digest: bool, dry_run: bool, backlog: bool) -> None:
    """Send pending alerts now, without crawling."""
    targets = targets_or_fail(env_notify_urls(notify_urls), notify_config)
    if not targets:
        raise click.UsageError("no targets: give --notify, --notify-config or PROVWATCH_NOTIFY")
    attempts, timeout = delivery_limits_or_fail(ctx)
    with locked(ctx.db):
        store = ctx.open_store()
        report = send_pending(store, targets, digest=digest, dry_run=dry_run,
                              max_age_days=ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                              telegram_api=ctx.setting("PROVWATCH_TELEGRAM_API"),
                              echo=click.echo, backlog=backlog, max_attempts=attempts,
                              read_timeout=timeout)
    if dry_run:
        return
    click.echo(send_line(report))
    for label, error in report.errors.items():
        click.echo(f"  {label}: {error}", err=True)
    if report.failed:
        sys.exit(EXIT_DELIVERY_FAILED)
