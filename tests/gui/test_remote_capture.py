"""The capture dialog sends pages to the capture workers when they are configured (a real RabbitMQ and a real
`forensics worker`), and shows each stored capture as it arrives; without workers the choice is disabled."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from forensics_app.services import settings
from forensics_app.services.web_sample import SampleSite
from forensics_app.services.workers import enrol
from tests.conftest import PASSPHRASE
from tests.gui.conftest import unlock, wait_until
from tests.scale.broker import RabbitBroker, available
from tests.scale.conftest import WorkerProcess, wait_consumers


def test_without_workers_the_remote_choice_is_disabled(window: Any) -> None:
    dialog = window.open_task("web")
    assert not dialog.remote.isEnabled()
    assert "No capture workers are configured" in dialog.remote.toolTip()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RabbitBroker]:
    why = available()
    if why:
        pytest.fail(why, pytrace=False)
    rabbit = RabbitBroker(tmp_path / "rabbit").start()
    try:
        yield rabbit
    finally:
        rabbit.close()


@pytest.mark.slow
def test_capture_dialog_dispatches_to_a_worker(make_window: Any, qtbot: Any, seeded_vault: Path, tmp_path: Path,
                                               broker: RabbitBroker) -> None:
    staging, queue = tmp_path / "staging", f"gui.{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    worker = WorkerProcess(tmp_path / "worker", "gui-worker")
    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        settings.set_settings(vault, {"broker_url": broker.url, "remote_staging": str(staging), "remote_queue": queue,
                                      "remote_host_limits": {"concurrency": 4, "per_minute": 6000}})
        enrol(vault, worker.name, worker.identity["public_key"], fingerprint=worker.identity["fingerprint"])
    worker.start(broker.url, staging, queue)
    try:
        wait_consumers(broker, queue, 1, [worker])
        window = make_window()
        unlock(qtbot, window, seeded_vault)
        wait_until(qtbot, lambda: window.current_case_id() is not None)
        with SampleSite() as site:
            dialog = window.open_task("web")
            assert dialog.remote.isEnabled()
            dialog.remote.setChecked(True)
            assert not dialog.concurrency.isEnabled()
            dialog.urls.setPlainText("\n".join(site.article_urls(2)))
            dialog.options_form.widgets["allow_private_addresses"].setChecked(True)
            with qtbot.waitSignal(dialog.ended, timeout=300_000) as ended:
                dialog.start_button.click()
        assert ended.args == ["done"], dialog.message.text()
        assert dialog.message.text().startswith("2 of 2 pages captured.")
        assert dialog.outcomes.count() == 2
        captures = window.session.reader.list_items(kind="web_capture")
        assert len(captures) == 2 and {c.metadata["worker"]["name"] for c in captures} == {"gui-worker"}
        window.session.close(timeout=30)
        window.session = None
    finally:
        worker.stop()
