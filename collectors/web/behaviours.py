"""Page behaviours run before the snapshot, by name (browsertrix-crawler's idea, kept small).

Each behaviour is bounded in time (its own limit and the page's deadline) and
turns every shortfall into a warning on the capture: a page that kept growing,
a network that never fell quiet. New behaviours register with
:func:`register_behaviour`; a duplicate name is an error.
"""

from __future__ import annotations

import asyncio
import time

from .state import Behaviour, CaptureState

_BEHAVIOURS: dict[str, Behaviour] = {}
SNAPSHOT_RESERVE = 10.0  # seconds kept back from the page deadline for the snapshot itself


def register_behaviour(behaviour: Behaviour) -> Behaviour:
    if behaviour.name in _BEHAVIOURS:
        raise ValueError(f"a behaviour named {behaviour.name!r} is already registered")
    _BEHAVIOURS[behaviour.name] = behaviour
    return behaviour


def get_behaviour(name: str) -> Behaviour:
    from evidence_store.errors import UsageError

    try:
        return _BEHAVIOURS[name]
    except KeyError:
        known = ", ".join(sorted(_BEHAVIOURS))
        raise UsageError(f"unknown page behaviour {name!r}; known: {known}",
                         message_vi=f"hành vi trang không xác định {name!r}; các hành vi có: {known}") from None


def behaviour_names() -> list[str]:
    return sorted(_BEHAVIOURS)


def _budget(state: CaptureState, own_limit: float) -> float:
    return max(0.0, min(own_limit, state.remaining() - SNAPSHOT_RESERVE))


_SCROLL_STEP = """() => {
  const el = document.scrollingElement || document.documentElement || document.body;
  if (!el) return [0, 0];
  window.scrollBy(0, Math.max(200, window.innerHeight - 50));
  const body = document.body ? document.body.scrollHeight : 0;
  return [Math.ceil(window.scrollY + window.innerHeight), Math.max(el.scrollHeight, body)];
}"""


_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"
#: A timer on the page's own clock, then two frames: tasks the page had queued before it have run.
_SETTLE = ("() => new Promise(done => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame("
           "() => done(true))), 100))")


class ScrollBehaviour:
    """Scroll to the bottom so lazy images and infinite lists load; bounded by height and time."""

    name = "scroll"

    async def run(self, state: CaptureState) -> None:
        options = state.options
        if not options.scroll:
            return
        budget = _budget(state, options.scroll_time_limit)
        started = time.monotonic()
        steps, height = 0, 0
        while True:
            state.cancel.check()
            position, height = await state.page.evaluate(_SCROLL_STEP)
            state.facts["last_action"] = time.monotonic()
            steps += 1
            if height > options.max_page_height:
                state.warn("scroll_height_limit",
                           f"scrolling stopped at the height limit ({options.max_page_height} px); the page is taller",
                           f"dừng cuộn ở giới hạn chiều cao ({options.max_page_height} px); trang còn dài hơn",
                           height=height, limit=options.max_page_height)
                break
            if position >= height - 2:
                # Two frames: the page's scroll handlers have run (and started their fetches) before the quiet
                # clock starts, even when a busy machine delays the renderer.
                try:
                    await asyncio.wait_for(state.page.evaluate(_TWO_FRAMES), 1.0)
                except TimeoutError:
                    pass  # no frames (a blocked page): the quiet wait below still applies
                await wait_quiet(state, quiet=0.4, limit=min(2.0, max(0.0, budget - (time.monotonic() - started))),
                                 fresh=True)
                # The network is quiet; a starved renderer may not yet have run what the last answers queued
                # (a fetch's callback appending rows): give it a turn on its own clock before measuring.
                try:
                    await asyncio.wait_for(state.page.evaluate(_SETTLE), 2.0)
                except TimeoutError:
                    pass
                _, grown = await state.page.evaluate(_SCROLL_STEP)
                if grown <= height:
                    break  # nothing new arrived in a quiet 0.4 s at the bottom: done (that quiet counts for idle)
                state.facts["last_action"] = time.monotonic()
                height = grown
            if time.monotonic() - started >= budget:
                state.warn("scroll_time_limit",
                           f"the page kept loading more content; scrolling stopped after {int(budget)} s "
                           "(infinite scroll): content further down was not captured",
                           f"trang liên tục tải thêm nội dung; dừng cuộn sau {int(budget)} giây "
                           "(cuộn vô hạn): nội dung phía dưới không được thu thập",
                           seconds=int(budget), height=height)
                break
            await asyncio.sleep(0.05)
        state.facts["scroll"] = {"steps": steps, "height": height, "seconds": round(time.monotonic() - started, 2)}


class NetworkIdleBehaviour:
    """Wait until no request has been in flight for half a second, at most ``idle_timeout``."""

    name = "network_idle"

    async def run(self, state: CaptureState) -> None:
        limit = _budget(state, state.options.idle_timeout)
        if not await wait_quiet(state, quiet=0.5, limit=limit):
            pending = sorted(state.facts.get("inflight", {}).values())[:20]
            state.warn("network_not_idle",
                       f"the network did not fall quiet within {int(limit)} s; requests still pending were "
                       "captured as far as they had arrived",
                       f"mạng chưa yên tĩnh sau {int(limit)} giây; các yêu cầu đang chờ được ghi đến phần đã nhận",
                       pending=pending)


class ScrollToTopBehaviour:
    name = "scroll_to_top"

    async def run(self, state: CaptureState) -> None:
        await state.page.evaluate("() => window.scrollTo(0, 0)")
        await asyncio.sleep(0.1)


async def wait_quiet(state: CaptureState, *, quiet: float, limit: float, fresh: bool = False) -> bool:
    """True once nothing was in flight for ``quiet`` seconds; False if ``limit`` ran out first.

    Quiet is counted from the last request that started or ended, or the last page action
    (a scroll), whichever came later; ``fresh`` counts from now instead (just after an action
    whose requests may not have started yet).
    """
    inflight: dict[object, str] = state.facts.setdefault("inflight", {})
    start = time.monotonic()
    end = start + limit
    while True:
        state.cancel.check()
        now = time.monotonic()
        since = max(state.facts.get("last_activity", 0.0), state.facts.get("last_action", 0.0),
                    start if fresh else 0.0)
        if not inflight and now - since >= quiet:
            return True
        if now >= end:
            return False
        await asyncio.sleep(0.05)


for _behaviour in (ScrollBehaviour(), NetworkIdleBehaviour(), ScrollToTopBehaviour()):
    register_behaviour(_behaviour)
