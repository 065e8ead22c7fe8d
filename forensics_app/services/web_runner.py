"""The browser side of a capture batch: an asyncio loop in a helper thread.

Captures run concurrently (one browser, a context and a proxy each, at most
``concurrency`` at a time) and are handed to the caller's thread one by one
through a queue, because only the caller's thread may use the vault. Stopping
cancels every capture, closes the browser and waits for the thread, so a
cancel leaves no browser, proxy or work file behind.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from collectors.web import ArtifactHook, BrowserSession, CaptureOptions, CaptureResult, ProfileProvider, WebCapturer
from collectors.web.staging import Staging
from collectors.web.wacz import preload_indexer
from evidence_store import CollectorError, ForensicsError
from evidence_store.tasks import CancelToken

_FATAL = "\0fatal"
HARD_LIMIT_MARGIN = 120  # seconds past the page time limit before a stuck capture is abandoned
Outcome = tuple[str, "CaptureResult | None", "BaseException | None"]


class CaptureRunner:
    def __init__(self, urls: Sequence[str], options: CaptureOptions, environment: dict[str, Any], *,
                 concurrency: int, staging: Staging, hooks: Sequence[ArtifactHook] = (),
                 profile_provider: ProfileProvider | None = None, account: dict[str, Any] | None = None,
                 clock: Callable[[], dict[str, Any]], browser_path: str = "",
                 revisits: Mapping[str, dict[str, str]] | None = None) -> None:
        self.urls = list(urls)
        self.options = options
        self.environment = environment
        self.concurrency = concurrency
        self.staging = staging  # memory folder and sealed files of the batch (see collectors.web.staging)
        self.hooks = list(hooks)
        self.profile_provider = profile_provider
        self.account = account
        self.clock = clock
        self.browser_path = browser_path
        self.revisits = revisits
        self.cancel = CancelToken()  # the loop's own token: set by stop()
        self.queue: queue.Queue[Outcome | None] = queue.Queue()
        self.thread = threading.Thread(target=self._main, name="capture-runner", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self.thread.start()
        self._ready.wait(30)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        finally:
            self._ready.set()
            self.queue.put(None)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()  # type: ignore[assignment]
        self._ready.set()
        try:
            clock = asyncio.ensure_future(asyncio.to_thread(self.clock))
            warm = asyncio.ensure_future(asyncio.to_thread(preload_indexer))  # off the first capture's path
            try:
                session = await BrowserSession.start(self.staging, browser_setting=self.browser_path,
                                                     host_rules=self.options.host_rules, video=self.options.video)
            except ForensicsError:
                raise
            except Exception as exc:
                raise CollectorError(f"cannot start the browser driver (Playwright): {exc}",
                                     message_vi=f"không khởi động được trình điều khiển trình duyệt (Playwright): {exc}") from exc
            try:
                environment = {**self.environment, "clock": await clock}
                await warm
                capturer = WebCapturer(session, self.options, environment=environment, hooks=self.hooks,
                                       profile_provider=self.profile_provider, account=self.account,
                                       revisits=self.revisits)
                slots = asyncio.Semaphore(self.concurrency)
                await asyncio.gather(*(self._one(capturer, slots, index, url) for index, url in enumerate(self.urls)))
            finally:
                await session.close()
        except asyncio.CancelledError:
            return
        except BaseException as exc:
            self.queue.put((_FATAL, None, exc))

    async def _one(self, capturer: WebCapturer, slots: asyncio.Semaphore, index: int, url: str) -> None:
        async with slots:
            if self.cancel.cancelled:
                return
            limit = self.options.page_timeout + HARD_LIMIT_MARGIN
            deadline = asyncio.timeout(limit)
            try:
                async with deadline:
                    result = await capturer.capture(url, self.staging.memory / "captures" / f"{index:05d}",
                                                    self.cancel)
            except TimeoutError as exc:
                error: BaseException = exc
                if deadline.expired():
                    error = CollectorError(f"the capture of {url} did not finish within {limit} s and was "
                                           "abandoned; nothing was stored",
                                           message_vi=f"việc thu thập {url} không xong trong {limit} giây và đã bị bỏ; không "
                                                      "lưu gì")
                self.queue.put((url, None, error))
                return
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                self.queue.put((url, None, exc))
                return
            self.queue.put((url, result, None))

    def results(self, cancel: CancelToken) -> Iterator[tuple[str, CaptureResult | None, BaseException | None]]:
        """Finished captures in the caller's thread; raises ``Cancelled`` promptly when ``cancel`` is set."""
        while True:
            try:
                entry = self.queue.get(timeout=0.1)
            except queue.Empty:
                cancel.check()
                continue
            if entry is None:
                return
            url, result, error = entry
            if url == _FATAL:
                assert error is not None
                cancel.check()  # the browser dying under Ctrl-C is the cancel, not a failure
                raise error
            if cancel.cancelled:
                if result is not None:
                    result.cleanup()
                cancel.check()
            yield url, result, error

    def stop(self, timeout: float = 60) -> None:
        """Cancel what is running, close the browser, wait for the thread; drop unconsumed results."""
        self.cancel.cancel()
        if self._loop is not None and self._task is not None and self.thread.is_alive():
            try:
                self._loop.call_soon_threadsafe(self._task.cancel)
            except RuntimeError:  # the loop already closed
                pass
        self.thread.join(timeout)
        while True:
            try:
                entry = self.queue.get_nowait()
            except queue.Empty:
                break
            if entry is not None and entry[1] is not None:
                entry[1].cleanup()
