"""``forensics watch …`` and ``forensics monitor``: the monitoring desk on the command line."""

from __future__ import annotations

from typing import Any

import click

from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out


@click.group("watch")
def watch_group() -> None:
    """Watched pages, posts, listings and feeds: scheduled evidential re-captures."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@watch_group.command("add")
@common_options
@click.argument("urls", nargs=-1, required=True)
@click.option("--case", "case_ref", required=True, help="Case number or id.")
@click.option("--every", help="Interval: 30m, 6h, 1d … (default 6h).")
@click.option("--cron", help="Cron expression (five fields), in the schedule's zone.")
@click.option("--window", "windows", multiple=True, help="Allowed times, [DAYS ]HH:MM-HH:MM (repeatable).")
@click.option("--zone", help="Time zone of the schedule (default: the vault's).")
@click.option("--jitter", default="0", show_default=True, help="Random delay added to each check, e.g. 10m.")
@click.option("--social", is_flag=True, help="Social-media target (post, or a profile/page/group listing).")
@click.option("--kind", type=click.Choice(["page", "social", "listing", "feed"]), help="What the target is.")
@click.option("--profile", default="", help="Saved login profile for the checks.")
@click.option("--keywords", multiple=True, help="Comma-separated keywords that raise an alert.")
@click.option("--include", multiple=True, help="CSS selector of the part that counts (repeatable).")
@click.option("--exclude", multiple=True, help="CSS selector of a part to leave out (repeatable).")
@click.option("--ignore", multiple=True, help="Regular expression removed before comparing (repeatable).")
@click.option("--capture-new", type=click.Choice(["keywords", "all", "none"]), default="keywords",
              show_default=True, help="New posts of a listing/feed captured automatically.")
@click.option("--removal-after", type=int, default=2, show_default=True,
              help="Consecutive 'removed' or 404/410 checks before a removal is recorded.")
@click.option("--failing-after", type=int, default=3, show_default=True,
              help="Consecutive failures before the watch is marked failing.")
@click.option("--allow-private-addresses", is_flag=True, help="Allow loopback/private targets (tests, intranet).")
def watch_add(urls: tuple[str, ...], case_ref: str, every: str | None, cron: str | None, windows: tuple[str, ...],
              zone: str | None, jitter: str, social: bool, kind: str | None, profile: str, keywords: tuple[str, ...],
              include: tuple[str, ...], exclude: tuple[str, ...], ignore: tuple[str, ...], capture_new: str,
              removal_after: int, failing_after: int, allow_private_addresses: bool) -> None:
    """Watch addresses; prints the new watch id(s)."""
    from ..services import monitor

    with opened_vault() as vault:
        rows = monitor.add_watches(vault, case_ref, list(urls), kind=kind, social=social, every=every, cron=cron,
                                   windows=windows, zone=zone, jitter=jitter, profile=profile,
                                   keywords=_split(keywords), include=include, exclude=exclude, ignore=ignore,
                                   allow_private_addresses=allow_private_addresses, capture_new=capture_new,
                                   removal_after=removal_after, failing_after=failing_after)
    if is_json():
        emit_json([r.to_json() for r in rows])
        return
    for r in rows:
        click.echo(r.id)


@watch_group.command("list")
@common_options
@click.option("--case", "case_ref", help="Only this case's watches.")
@click.option("--all", "show_all", is_flag=True, help="Removed watches too.")
def watch_list(case_ref: str | None, show_all: bool) -> None:
    from ..services.watches import list_watches

    with opened_vault() as vault:
        rows, hidden = list_watches(vault, case_ref or None, include_removed=show_all)
    if hidden:
        err.print(f"[yellow]{hidden.message()}[/]", highlight=False)
    if is_json():
        emit_json([r.to_json() for r in rows])
        return
    for r in rows:
        out.print(f"{r.id}  {r.status:7} {r.health:7} {r.kind:7} next {r.next_due or '-'}  last change "
                  f"{r.last_change or '-'}  {r.target}")


@watch_group.command("show")
@common_options
@click.argument("ref")
def watch_show(ref: str) -> None:
    from ..services import monitor

    with opened_vault() as vault:
        watch, runs = monitor.watch_detail(vault, ref)
    data = {**watch.to_json(), "recent_checks": [r.to_json() for r in runs]}
    if is_json():
        emit_json(data)
        return
    for key in ("id", "uid", "case_id", "target", "kind", "status", "health", "failures", "next_due", "last_run",
                "last_change", "removed_at"):
        out.print(f"{key}: {data[key]}")
    out.print(f"schedule: {watch.config.get('schedule')}")
    for r in runs:
        out.print(f"  check {r.id} {r.started_at} {r.status} {r.summary}")


def _set_status(ref: str, action: str) -> None:
    from ..services import monitor

    with opened_vault() as vault:
        row = {"pause": monitor.pause, "resume": monitor.resume, "remove": monitor.remove}[action](vault, ref)
    if is_json():
        emit_json(row.to_json())
    else:
        out.print(f"watch {row.id}: {row.status}")


@watch_group.command("pause")
@common_options
@click.argument("ref")
def watch_pause(ref: str) -> None:
    _set_status(ref, "pause")


@watch_group.command("resume")
@common_options
@click.argument("ref")
def watch_resume(ref: str) -> None:
    _set_status(ref, "resume")


@watch_group.command("remove")
@common_options
@click.argument("ref")
def watch_remove(ref: str) -> None:
    """Stop watching (the checks and their evidence stay in the vault)."""
    _set_status(ref, "remove")


def _print_outcome(o: Any) -> None:
    """One tab-separated line per check (scriptable); text from the page is stripped of control characters."""
    items = ",".join(str(i) for i in o.items) or "-"
    summary = "".join(ch if ch.isprintable() else " " for ch in (o.summary or o.reason))
    click.echo(f"{o.watch_id}\t{o.status}\t{summary}\titems {items}")


@watch_group.command("run")
@common_options
@click.argument("refs", nargs=-1)
@click.option("--due", "mode", flag_value="due", help="Watches whose time has come (default).")
@click.option("--all", "mode", flag_value="all", help="Every active watch.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
def watch_run(refs: tuple[str, ...], mode: str | None, concurrency: int) -> None:
    """Run checks now; prints per check: watch id, status, summary, item ids."""
    from evidence_store import UsageError, monitor_store

    from ..services import monitor
    from ..services.watches import list_watches, reach_watch

    if refs and mode:
        raise UsageError("give watch ids or --due/--all, not both")
    with opened_vault() as vault, cancellable() as cancel:
        report = None if is_json() else _print_outcome
        if refs:
            watches = [reach_watch(vault, r, "watch run") for r in refs]
            for w in watches:
                if w.status == monitor_store.REMOVED:
                    raise UsageError(f"watch {w.id} was removed")
            outcomes = monitor.run_checks(vault, watches, concurrency=concurrency, cancel=cancel, on_outcome=report)
        elif mode == "all":
            watches = [w for w in list_watches(vault)[0] if w.status == monitor_store.ACTIVE]
            outcomes = monitor.run_checks(vault, watches, concurrency=concurrency, cancel=cancel, on_outcome=report)
        else:
            outcomes = monitor.run_due(vault, concurrency=concurrency, cancel=cancel, on_outcome=report)
    if is_json():
        emit_json([o.to_json() for o in outcomes])
    elif not outcomes:
        out.print("no check was due")


@watch_group.command("history")
@common_options
@click.argument("ref")
def watch_history(ref: str) -> None:
    """Every check (version) of a watch and the changes found."""
    from ..services import monitor

    with opened_vault() as vault:
        data = monitor.history(vault, ref)
    if is_json():
        emit_json(data)
        return
    for v in data["versions"]:
        out.print(f"check {v['id']}  {v['started_at']}  {v['status']:11} capture {v['capture_item_id'] or '-'}  "
                  f"{v['summary'] or v['reason']}")
    for c in data["changes"]:
        out.print(f"change item {c['item_id']}  {c['detected_at']}  {c['summary']}  [{c['rule']}]")


@watch_group.command("alerts")
@common_options
@click.option("--unread", is_flag=True, help="Only alerts not yet read.")
@click.option("--read", "mark", multiple=True, type=int, help="Mark these alert ids read.")
def watch_alerts(unread: bool, mark: tuple[int, ...]) -> None:
    """Alerts of the monitoring desk and of the entity watch list, grouped per case and watch."""
    from ..services import alerts

    with opened_vault() as vault:
        if mark:
            alerts.mark_read(vault, list(mark))
        rows = alerts.all_alerts(vault, unread_only=unread)
        hidden = alerts.hidden_monitor_alerts(vault, unread_only=unread)
    if hidden:
        err.print(f"[yellow]{hidden.message()}[/]", highlight=False)
    if is_json():
        emit_json([a.to_json() for a in rows])
        return
    for group, members in alerts.grouped(rows).items():
        out.print(f"[bold]{group}[/]")
        for a in members:
            out.print(f"  {a.ref} {a.created_at} {a.kind}: {a.text('en')}" + ("" if a.read_at else "  (unread)"))


@click.group("monitor", invoke_without_command=True)
@common_options
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--poll", type=click.IntRange(5, 3600), default=60, show_default=True,
              help="Longest wait between looks at the schedule, seconds.")
@click.pass_context
def monitor_group(ctx: click.Context, once: bool, concurrency: int, poll: int) -> None:
    """Run due checks in the foreground (one monitor per vault; the desktop app can work meanwhile)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..services import monitor_daemon

    monitor_daemon.use_credential_passphrase()
    with opened_vault() as vault, cancellable() as cancel:
        report = None if is_json() else _print_outcome
        outcomes = monitor_daemon.run(vault, once=once, concurrency=concurrency, poll=poll, cancel=cancel,
                                      on_outcome=report)
    if is_json():
        emit_json([o.to_json() for o in outcomes])


@monitor_group.command("install")
@common_options
@click.option("--print", "print_only", is_flag=True, help="Print the unit file instead of installing it.")
@click.option("--no-enable", is_flag=True, help="Write the unit but do not enable or start it.")
def monitor_install(print_only: bool, no_enable: bool) -> None:
    """Install `forensics monitor` as a systemd user service (Linux)."""
    from ..services import monitor_daemon
    from .common import vault_path

    unit = monitor_daemon.systemd_unit(vault_path())
    if print_only:
        click.echo(unit, nl=False)
        return
    result = monitor_daemon.install_systemd(vault_path(), enable=not no_enable)
    if is_json():
        emit_json(result)
        return
    out.print(f"wrote {result['unit_path']}")
    for line in result["next_steps"]:
        out.print(line)
