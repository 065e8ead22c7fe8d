"""``forensics worker``: run a capture worker; enrol workers and collect their captures at the desk.

On a worker (no vault):   forensics worker keygen
                          forensics worker --broker amqp://… --staging /mnt/staging [--concurrency 2]
                          forensics worker --broker amqp://… --staging s3://bucket/prefix --s3-endpoint http://minio:9000
At the desk (the vault):  forensics worker enroll NAME --key ed25519:… [--fingerprint "ed25519:1a2b …"]
                          forensics worker desk-key | list | revoke NAME --reason … | status | collect
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out


@click.group("worker", invoke_without_command=True)
@common_options(examiner=False)
@click.option("--broker", envvar="FORENSICS_BROKER_URL", help="RabbitMQ URL (amqp://user@host:5672/vhost); password "
              "in FORENSICS_BROKER_PASSWORD. Default FORENSICS_BROKER_URL.")
@click.option("--staging", envvar="FORENSICS_WORKER_STAGING",
              help="Where the bundles go: the shared staging folder, or s3://bucket/prefix of an S3-compatible store "
                   "(credentials in FORENSICS_S3_ACCESS_KEY and FORENSICS_S3_SECRET_KEY). Default "
                   "FORENSICS_WORKER_STAGING.")
@click.option("--s3-endpoint", default="", envvar="FORENSICS_S3_ENDPOINT",
              help="Address of the S3-compatible store (http://minio:9000); empty: AWS S3. Default "
                   "FORENSICS_S3_ENDPOINT.")
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
              help="This worker's key (default FORENSICS_WORKER_KEY, else the config folder's worker-key.pem).")
@click.option("--name", default=None, help="This worker's name (default: the host name).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True,
              envvar="FORENSICS_WORKER_CONCURRENCY", help="Captures at the same time (one browser, a context each).")
@click.option("--queue", default=None, envvar="FORENSICS_WORKER_QUEUE",
              help="Queue to take tasks from (default forensics.capture).")
@click.option("--recipient", "recipients", multiple=True, envvar="FORENSICS_WORKER_RECIPIENTS",
              help="Seal only for this desk (its `forensics worker desk-key`, age1…); repeat for several desks. "
                   "Default: the desk each task names.")
@click.option("--egress-echo", default="", envvar="FORENSICS_EGRESS_ECHO",
              help="Address that answers with this machine's public IP (recorded in each capture's provenance).")
@click.option("--browser", default="", help="Chromium, Chrome or Edge to use (default: found automatically).")
@click.option("--log-level", default="WARNING", show_default=True, type=click.Choice(["DEBUG", "INFO", "WARNING"]))
@click.pass_context
def worker_group(ctx: click.Context, broker: str | None, staging: str | None, s3_endpoint: str, key_path: Path | None,
                 name: str | None, concurrency: int, queue: str | None, recipients: tuple[str, ...], egress_echo: str,
                 browser: str, log_level: str) -> None:
    """A capture worker (without a subcommand: take capture tasks until stopped), and the desk's worker commands."""
    if ctx.invoked_subcommand is not None:
        return
    from evidence_store import UsageError

    from ..services.remote_engine import DEFAULT_QUEUE
    from ..services.remote_worker import WorkerConfig, run_worker
    from ..services.worker_identity import default_key_path, load_key

    if not broker or not staging:
        raise UsageError("a worker needs --broker (or FORENSICS_BROKER_URL) and --staging (or "
                         "FORENSICS_WORKER_STAGING)", message_vi="máy thu thập cần --broker (hoặc FORENSICS_BROKER_URL) "
                         "và --staging (hoặc FORENSICS_WORKER_STAGING)")
    from ..services.remote_staging import open_staging

    store_at = open_staging(staging, endpoint=s3_endpoint)
    from evidence_store.age_seal import parse_recipient

    for recipient in recipients:
        parse_recipient(recipient)
    label = name or socket.gethostname()
    signer = load_key(key_path or default_key_path(), label)
    run_worker(WorkerConfig(broker=broker, staging=store_at, signer=signer, name=label, concurrency=concurrency,
                            queue=queue or DEFAULT_QUEUE, recipients=recipients, browser_path=browser,
                            egress_echo=egress_echo, loglevel=log_level))


@worker_group.command("keygen")
@common_options(examiner=False)
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False), help="Where to keep the key.")
@click.option("--name", default=None, help="This worker's name (default: the host name).")
def keygen_cmd(key_path: Path | None, name: str | None) -> None:
    """Make this worker's own signing key (Ed25519, kept here) and print its fingerprint for the desk."""
    from ..services.worker_identity import default_key_path, generate_key

    path = key_path or default_key_path()
    signer = generate_key(path, name or socket.gethostname())
    _show_key(signer, path)


@worker_group.command("show-key")
@common_options(examiner=False)
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False), help="The key file.")
def show_key_cmd(key_path: Path | None) -> None:
    """Print this worker's public key and fingerprint again (to enrol it at a desk)."""
    from ..services.worker_identity import default_key_path, load_key

    path = key_path or default_key_path()
    _show_key(load_key(path, socket.gethostname()), path)


def _show_key(signer: Any, path: Path) -> None:
    from ..services.worker_identity import public_key_line

    data = {"key_file": str(path), "public_key": public_key_line(signer), "fingerprint": signer.fingerprint}
    if is_json():
        emit_json(data)
        return
    out.print(f"worker key: {path}", highlight=False)
    out.print(f"public key: {data['public_key']}", highlight=False)
    out.print(f"fingerprint: {data['fingerprint']}", highlight=False)
    out.print("At the desk: forensics worker enroll NAME --key <public key> --fingerprint '<fingerprint>'",
              highlight=False)


@worker_group.command("enroll")
@common_options
@click.argument("name")
@click.option("--key", "key", required=True, help="The worker's public key (ed25519:… as keygen printed it, or a "
              "file holding it).")
@click.option("--fingerprint", default="", help="The fingerprint the worker printed: the key must match it.")
@click.option("--note", default="", help="Where the worker runs, who looks after it.")
def enroll_cmd(name: str, key: str, fingerprint: str, note: str) -> None:
    """Accept bundles signed by this worker's key (an examiner's act, recorded in the custody log)."""
    from ..services.workers import enrol

    with opened_vault() as vault:
        worker = enrol(vault, name, key, fingerprint=fingerprint, note=note)
    if is_json():
        emit_json(worker.to_json())
        return
    out.print(f"enrolled worker {worker.name}: {worker.fingerprint}", highlight=False)
    if not fingerprint:
        out.print("compare this fingerprint with the one the worker printed", highlight=False)


@worker_group.command("revoke")
@common_options
@click.argument("name")
@click.option("--reason", required=True, help="Why (recorded in the custody log).")
def revoke_cmd(name: str, reason: str) -> None:
    """Refuse this worker's bundles from now on (recorded in the custody log)."""
    from ..services.workers import revoke

    with opened_vault() as vault:
        worker = revoke(vault, name, reason)
    if is_json():
        emit_json(worker.to_json())
    else:
        out.print(f"revoked worker {worker.name} ({worker.fingerprint})", highlight=False)


@worker_group.command("list")
@common_options
def list_cmd() -> None:
    """The enrolled workers: name, fingerprint, status, who enrolled them and when."""
    from ..services.workers import workers

    with opened_vault() as vault:
        rows = workers(vault)
    if is_json():
        emit_json([w.to_json() for w in rows])
        return
    table = Table("name", "fingerprint", "status", "enrolled at (UTC)", "by", "note")
    for w in rows:
        table.add_row(w.name, w.fingerprint, w.status, w.enrolled_at, w.enrolled_by, w.note)
    out.print(table)


@worker_group.command("desk-key")
@common_options
def desk_key_cmd() -> None:
    """This desk's age recipient: bundles are sealed to it (give it to workers with --recipient)."""
    from ..services.workers import desk_recipient

    with opened_vault() as vault:
        recipient = desk_recipient(vault)
    if is_json():
        emit_json({"recipient": recipient})
    else:
        out.print(recipient, highlight=False)


@worker_group.command("status")
@common_options
def status_cmd() -> None:
    """Tasks sent to the workers by what became of them, the broker, the staging folder."""
    from ..services.remote_desk import status

    with opened_vault() as vault:
        info = status(vault)
    if is_json():
        emit_json(info)
        return
    if not info["configured"]:
        out.print("no capture workers configured (settings broker_url and remote_staging)")
    else:
        out.print(f"broker {info['broker']}, queue {info['queue']}; staging {info['staging']} "
                  f"({info['bundles_waiting']} bundles waiting)", highlight=False)
    counts = info["tasks"]
    out.print("tasks: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"), highlight=False)
    for task in info["out"]:
        out.print(f"  out since {task['dispatched_at']}: {task['target']} (task {task['task_id']})", highlight=False)


@worker_group.command("collect")
@common_options
@click.option("--wait", type=click.FloatRange(0, 86400), default=0, show_default=True,
              help="Seconds to wait for results still on their way.")
def collect_cmd(wait: float) -> int:
    """Store every capture the workers finished (results and bundles that arrived while no capture was waiting)."""
    from ..services.remote_desk import collect

    def show(result: Any) -> None:
        if not is_json():
            where = f"item {result.item.id}" if result.item else result.error
            out.print(f"{result.status}: {result.target or '(unknown)'}: {where}", highlight=False)

    with opened_vault() as vault, cancellable() as cancel:
        found = collect(vault, wait=wait, cancel=cancel, on_result=show)
    if is_json():
        emit_json([{"task_id": r.task_id, "target": r.target, "status": r.status,
                    "item_id": r.item.id if r.item else None, "error": r.error or None, "worker": r.worker}
                   for r in found])
    elif not found:
        out.print("nothing waiting")
    refused = [r for r in found if r.status in ("refused", "failed")]
    if refused:
        err.print(f"[bold yellow]problem:[/] {len(refused)} of {len(found)} were not stored: {refused[0].target}: "
                  f"{refused[0].error}", highlight=False)
        return 1
    return 0


COMMANDS = [worker_group]
