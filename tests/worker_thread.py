"""Running a service as the desktop app's workers run it: in a thread of its own, with a sibling vault."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from evidence_store import Vault


def in_a_worker_thread(vault: Vault, work: Callable[[Vault], Any], timeout: float = 300) -> Any:
    """``work(sibling)`` in a thread named ``gui-worker``; its result, or its exception raised here."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        sibling = vault.sibling()
        try:
            outcome["result"] = work(sibling)
        except BaseException as exc:  # noqa: BLE001 - raised in the test's thread
            outcome["error"] = exc
        finally:
            sibling.close()

    worker = threading.Thread(target=run, name="gui-worker")
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"the worker thread did not finish within {timeout} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def record_helper_starts(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[tuple[str, str | None]]:
    """For each helper context ``module`` asks for: the asking thread's name and the start method given."""
    real, started = module.helper_context, []

    def helper_context() -> Any:
        context = real()
        started.append((threading.current_thread().name, context and context.get_start_method()))
        return context

    monkeypatch.setattr(module, "helper_context", helper_context)
    return started
