"""The task engine between the desk and its capture workers: Celery over RabbitMQ, configured once.

Why Celery with RabbitMQ (see the README's "Scaling out"): a maintained engine rather than a home-made queue;
RabbitMQ acknowledges a task only when the worker says so, after the capture's bundle is safely in staging
(``task_acks_late``), gives a task back when its worker dies (a lost connection, or ``reject_on_worker_lost``
when a pool process is killed), keeps queues and messages on disk across a broker restart (quorum queues,
persistent messages, publisher confirms), and counts deliveries: a capture that kills its worker every time
(``x-delivery-limit``) ends in the ``.failed`` queue instead of going round for ever. Flower shows the
workers and tasks. With Redis as the broker a long capture would be handed out again after the visibility
timeout unless that is set above the longest capture; RabbitMQ has no such timer (only ``consumer_timeout``,
set above the longest capture in ``deploy/rabbitmq.conf``).

The desk publishes tasks by name (it never imports the worker's code); each worker publishes its result
message, which carries only references and hashes, to the desk's own durable results queue. That queue is the
desk's inbox: a desk that was closed finds the results waiting when it opens.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from evidence_store import UsageError

CAPTURE_TASK = "forensics.capture"
DEFAULT_QUEUE = "forensics.capture"
#: deliveries of one task before RabbitMQ gives up on it (a page that kills its worker each time)
DELIVERY_LIMIT = 4
TASK_FORMAT = "forensics-toolkit/capture-task/1"
RESULT_FORMAT = "forensics-toolkit/capture-result/1"


def task_id_for(case_uid: str, batch: str, target: str) -> str:
    """The same capture asked again (same case, batch and target) is the same task: stored at most once."""
    digest = hashlib.sha256("\0".join(("forensics-task/1", case_uid, batch, target)).encode("utf-8")).hexdigest()
    return f"ft-{digest[:40]}"


def results_queue_name(vault_id: str) -> str:
    return f"forensics.results.{vault_id}"


def failed_queue_name(queue: str) -> str:
    return f"{queue}.failed"


def broker_url(url: str) -> str:
    """The broker's URL with the password from ``FORENSICS_BROKER_PASSWORD`` (or systemd's ``broker-password``
    credential) when the URL has none, so that the setting, which examiners see, never holds it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps", "pyamqp"):
        raise UsageError(f"the broker must be a RabbitMQ URL (amqp://user@host:5672/vhost), not {url!r}",
                         message_vi=f"máy chủ hàng đợi phải là địa chỉ RabbitMQ (amqp://user@host:5672/vhost), "
                         f"không phải {url!r}")
    password = os.environ.get("FORENSICS_BROKER_PASSWORD") or _credential("broker-password")
    if password and parts.username and parts.password is None:
        netloc = f"{quote(parts.username, safe='')}:{quote(password, safe='')}@{parts.hostname}"
        if parts.port:
            netloc += f":{parts.port}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def _credential(name: str) -> str:
    """A secret systemd handed over (``LoadCredential=``), or ''."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    if not folder:
        return ""
    try:
        return (Path(folder) / name).read_text("utf-8").strip()
    except OSError:
        return ""


def redact(url: str) -> str:
    """The URL as shown to people and written in logs: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def capture_queue(name: str = DEFAULT_QUEUE) -> Any:
    """The durable quorum queue of capture tasks; a task delivered DELIVERY_LIMIT times goes to ``.failed``."""
    from kombu import Exchange, Queue

    return Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True,
                 queue_arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT,
                                  "x-dead-letter-exchange": "", "x-dead-letter-routing-key": failed_queue_name(name)})


def plain_queue(name: str) -> Any:
    """A durable quorum queue on the default exchange (results, given-up tasks)."""
    from kombu import Queue

    return Queue(name, routing_key=name, durable=True, queue_arguments={"x-queue-type": "quorum"})


def make_app(url: str, queue: str = DEFAULT_QUEUE) -> Any:
    """A Celery application for the desk (publishing) or a worker (consuming): the same settings on both."""
    from celery import Celery

    app = Celery("forensics", broker=broker_url(url), set_as_current=False)
    app.conf.update(
        task_queues=[capture_queue(queue)],
        task_default_queue=queue, task_default_exchange=queue, task_default_routing_key=queue,
        task_create_missing_queues=False,
        task_acks_late=True,  # acknowledged once the bundle is in staging and the result published
        task_reject_on_worker_lost=True,  # a pool process killed mid-capture: the task goes back to the queue
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_ignore_result=True,  # results travel as messages to the desk's own queue (references and hashes)
        task_default_delivery_mode="persistent",
        broker_transport_options={"confirm_publish": True},
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None, broker_heartbeat=30,
        worker_send_task_events=True, task_send_sent_event=True,  # for Flower
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
        enable_utc=True, timezone="UTC",
    )
    return app


def declare(connection: Any, *queues: Any) -> None:
    """Make sure the queues exist (idempotent; the same arguments everywhere)."""
    channel = connection.default_channel
    for queue in queues:
        queue.bind(channel).declare()
