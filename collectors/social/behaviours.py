"""Expansion behaviours, registered with the web capture's behaviour registry.

    social_dismiss        close login pop-ups and consent banners (and again after every round)
    social_all_comments   switch the comment ordering to "All comments" where the platform has one
    social_expand         rounds of: "See more" in texts, "View more comments", "View N replies",
                          scrolling the comment pane, until nothing is left, the --comments limit is
                          reached, or the time is up

Where to click comes from the platform reader's :class:`ExpansionSpec`; the
limit from the capture option ``behaviour_settings`` (``social.comments=all|N``,
``social.expand_seconds=S``). The page is only clicked as a reader would click
it: no attribute is added to the DOM the snapshot keeps (the set of clicked
elements lives in a script variable). Every round is counted in the capture's
facts, and a shortfall (time limit) is a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from collectors.web import CaptureState, register_behaviour
from collectors.web.behaviours import SNAPSHOT_RESERVE, wait_quiet

from .extractors.base import ExpansionSpec, extractor_for
from .platforms import detect

DEFAULT_EXPAND_SECONDS = 240
# After a round of clicks the page is read again once the clicks had their effect: for controls that load
# comments, as many separate arrivals of comments as controls clicked (a spinner, or the control giving way to
# one, is not the effect); for the others ("See more" in a text), the control gone, hidden or relabelled …
EFFECT_QUIET_MS = 20  # … and the DOM then stayed still this long (about a frame: the rest of the same update; what
#   comes later is found by the next round, which looks at the whole page again) …
SETTLE_MS = 400  # … or, with changes but not the effect yet, stayed still this long (the effect is not coming;
FIRST_CHANGE_MS = 1500  # for loading controls this long) … or nothing changed this long after the click …
CLICK_WAIT_MS = 6000  # … and never longer than this
ROUNDS_PER_CALL = 50  # expansion rounds the page runs on its own while each finds something (no round trip
ROUNDS_SLICE_S = 1.0  # between them), for at most this long: then the capture looks at its budget and cancel again
IDLE_S = 2.0  # no comment added and nothing clicked in the rounds of this long: nothing more is loading (a lazy
#   list's next page starts only once the page has seen it scrolled into view, which a busy machine delays)
DIALOG_GONE_MS = 200  # a closed pop-up: until it is gone from the page and a frame drawn without it, at most this
ORDERING_QUIET_S = 0.3  # "All comments" chosen: until its comments arrived (and nothing is left in flight), or the
ORDERING_WAIT_S = 5.0  # network stayed quiet this long after the choice (nothing changed), at most this long

# Shared page-side helpers: every evaluate below is one of these functions with them in scope.
_HELPERS = r"""
  const norm = s => (s || '').replace(/\s+/g, ' ').trim();
  const labelOf = el => norm(el.innerText || el.textContent || el.getAttribute('aria-label'));
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const press = el => { if (typeof el.click === 'function') el.click();
    else el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window})); };
  const frame = () => new Promise(done => requestAnimationFrame(() => done()));
  async function clickAll({selector, patterns, countSelector, limit, quiet, settle, firstChange, wait, search, loads,
                           anyChange}) {
    const state = window.__forensicsExpansion || (window.__forensicsExpansion = new WeakMap());
    const res = patterns.map(p => new RegExp(search ? p : '^(?:' + p + ')$', 'iu'));
    const count = () => countSelector ? document.querySelectorAll(countSelector).length : 0;
    const before = count();
    if (!patterns.length || (limit && before >= limit)) return {clicked: 0, before, after: before, labels: []};
    const matches = [];
    for (const el of document.querySelectorAll(selector)) {
      const text = labelOf(el);
      if (!text || text.length > 120 || !res.some(r => r.test(text)) || !visible(el)) continue;
      const at = state.get(el);
      if (at !== undefined && at >= count()) continue;   // clicked already, and nothing new came of it
      if (matches.some(m => m.contains(el))) { matches.splice(matches.findIndex(m => m.contains(el)), 1); }
      else if (matches.some(m => el.contains(m))) continue;
      matches.push(el);
    }
    if (!matches.length) return {clicked: 0, before, after: before, labels: []};
    const labels = [];
    const shown = matches.map(labelOf);
    let last = before, arrivals = 0;  // separate arrivals of comments: one per control that loads them
    const effect = () => {
      const now = count();
      if (now > last) { arrivals += 1; last = now; }
      if (anyChange) return true;
      if (loads) return arrivals >= matches.length;
      return now > before || matches.some((el, i) => !el.isConnected || labelOf(el) !== shown[i] || !visible(el));
    };
    await new Promise(resolve => {
      let timer = null; let finished = false;
      const done = () => { if (finished) return; finished = true; observer.disconnect(); resolve(); };
      const observer = new MutationObserver(() => {
        clearTimeout(timer); timer = setTimeout(done, effect() ? quiet : loads ? firstChange : settle); });
      observer.observe(document.documentElement, {childList: true, subtree: true, characterData: true});
      for (const el of matches) {
        state.set(el, count()); labels.push(labelOf(el).slice(0, 60));
        el.scrollIntoView({block: 'center'});
        press(el);
      }
      timer = setTimeout(done, firstChange);
      setTimeout(done, wait);
    });
    return {clicked: matches.length, before, after: count(), labels};
  }
  async function dismiss({dialog, labels, closers, wait}) {
    const wanted = labels.map(p => new RegExp(p, 'iu'));
    const closing = closers.map(p => new RegExp('^(?:' + p + ')$', 'iu'));
    const closed = [], boxes = [];
    for (const box of document.querySelectorAll(dialog)) {
      const text = norm(box.innerText) + ' ' + norm(box.getAttribute('aria-label'));
      if (!wanted.some(r => r.test(text))) continue;
      const button = [...box.querySelectorAll('[aria-label], [role=button], button')].find(b =>
        closing.some(r => r.test(norm(b.getAttribute('aria-label'))) || r.test(norm(b.innerText))));
      if (button) { press(button); closed.push(text.slice(0, 80)); boxes.push(box); }
    }
    // the pop-ups gone (removed or hidden) and a frame drawn without them; at most `wait` ms
    const shown = () => boxes.filter(b => b.isConnected && visible(b)).length;
    const until = performance.now() + wait;
    while (boxes.length && performance.now() < until) {
      const gone = shown() === 0;
      await Promise.race([frame(), new Promise(r => setTimeout(r, 20))]);
      if (gone) break;
    }
    return {closed, lingering: shown()};
  }
"""

_CLICK = "async (args) => {" + _HELPERS + "  return clickAll(args);\n}"
_DISMISS = "async (args) => {" + _HELPERS + "  return dismiss(args);\n}"
#: Expansion rounds in one round trip: each closes pop-ups, then runs each step's clicks and awaits their effects in
#: order; the next round follows at once while a round found something, up to ``rounds`` rounds or ``slice`` ms.
_ROUNDS = "async ({closing, steps, limit, rounds, slice}) => {" + _HELPERS + r"""
  const until = performance.now() + slice;
  const done = [];
  while (done.length < rounds) {
    const closed = closing ? await dismiss(closing) : {closed: [], lingering: 0};
    const results = [];
    for (const step of steps) results.push(await clickAll(step));
    done.push({closed, results});
    const clicked = results.reduce((n, r) => n + r.clicked, 0);
    const end = results[results.length - 1].after;
    if ((!clicked && end === results[0].after) || (limit && end >= limit) || performance.now() >= until) break;
  }
  return done;
}"""

_SCROLL_PANE = r"""({pane, countSelector}) => {
  const count = () => countSelector ? document.querySelectorAll(countSelector).length : 0;
  const el = pane === 'window' ? (document.scrollingElement || document.documentElement) : document.querySelector(pane);
  if (!el) return {moved: false, count: count()};
  const before = el.scrollTop;
  if (pane === 'window') window.scrollTo(0, el.scrollHeight); else el.scrollTop = el.scrollHeight;
  return {moved: el.scrollTop !== before, count: count()};
}"""

# Choosing "All comments": the item is clicked with an observer in place that settles (in a page variable, not
# the DOM) once comments were added after the click and the DOM then stayed still for a frame's worth of quiet.
_ORDERING = "Symbol.for('forensics-toolkit.ordering')"
_ORDER_ITEM = r"""async ({patterns, countSelector, quiet, wait}) => {
  const res = patterns.map(p => new RegExp('^(?:' + p + ')(?:$|\\s|\\n)', 'iu'));
  const items = [...document.querySelectorAll('[role=menuitem], [role=menuitemradio], [role=option], tp-yt-paper-item, ' +
                                              'yt-dropdown-menu a')];
  const item = items.find(i => res.some(r => r.test((i.innerText || '').trim())));
  if (!item) return '';
  const label = (item.innerText || '').trim().split('\n')[0];
  const isComment = n => n.nodeType === 1 && (n.matches(countSelector) || n.querySelector(countSelector) !== null);
  globalThis[""" + _ORDERING + r"""] = new Promise(resolve => {
    let timer = null, arrived = false, finished = false;
    const done = how => { if (finished) return; finished = true; observer.disconnect(); resolve(how); };
    const observer = new MutationObserver(records => {
      if (!arrived) arrived = countSelector !== '' && records.some(r => [...r.addedNodes].some(isComment));
      if (arrived) { clearTimeout(timer); timer = setTimeout(() => done('comments arrived'), quiet); }
    });
    observer.observe(document.documentElement, {childList: true, subtree: true, characterData: true});
    setTimeout(() => done('time limit'), wait);
  });
  item.click();
  return label;
}"""
_ORDER_SETTLED = "() => globalThis[" + _ORDERING + "]"
_ORDER_FORGET = "() => { delete globalThis[" + _ORDERING + "]; }"


def _spec(state: CaptureState) -> ExpansionSpec:
    return extractor_for(detect(state.url).platform).spec


def _limit(state: CaptureState) -> int | None:
    """``social.comments``: ``all`` (no limit) or a number (0: do not expand comments)."""
    value = state.options.behaviour_setting("social.comments", "all").lower()
    return None if value in ("", "all") else max(0, int(value))


def _facts(state: CaptureState) -> dict[str, Any]:
    return state.facts.setdefault("social_expansion", {"rounds": 0, "clicks": {}, "dialogs_closed": [],
                                                       "ordering": None, "stopped": None, "labels": []})


def _budget(state: CaptureState) -> float:
    own = float(state.options.behaviour_setting("social.expand_seconds", str(DEFAULT_EXPAND_SECONDS)))
    return max(0.0, min(own, state.remaining() - SNAPSHOT_RESERVE))


def _step(spec: ExpansionSpec, patterns: tuple[str, ...], limit: int | None = None, search: bool = False,
          loads: bool = False, any_change: bool = False) -> dict[str, Any]:
    """The page-side arguments of one kind of click (see ``clickAll``)."""
    return {"selector": spec.clickable, "patterns": list(patterns), "countSelector": spec.comment,
            "limit": limit or 0, "quiet": EFFECT_QUIET_MS, "settle": SETTLE_MS, "firstChange": FIRST_CHANGE_MS,
            "wait": CLICK_WAIT_MS, "search": search, "loads": loads, "anyChange": any_change}


def _closing(spec: ExpansionSpec) -> dict[str, Any] | None:
    """The page-side arguments of closing pop-ups (None: the platform names none)."""
    if not spec.dialog_labels:
        return None
    return {"dialog": spec.dialog, "labels": list(spec.dialog_labels), "closers": list(spec.close_labels),
            "wait": DIALOG_GONE_MS}


def _note_clicks(state: CaptureState, kind: str, result: dict[str, Any]) -> int:
    clicked = int(result.get("clicked") or 0)
    if clicked:
        facts = _facts(state)
        facts["clicks"][kind] = facts["clicks"].get(kind, 0) + clicked
        if len(facts["labels"]) < 50:
            facts["labels"].extend(f"{kind}: {label}" for label in result.get("labels", [])[:5])
    return clicked


def _note_closed(state: CaptureState, done: dict[str, Any]) -> int:
    """Pop-ups closed (``closed``: their texts), and how many were still shown when the wait for them ended."""
    closed, lingering = list(done["closed"]), int(done["lingering"])
    if closed:
        facts = _facts(state)
        facts["dialogs_closed"].extend(closed)
        if lingering:
            facts["dialogs_lingering"] = facts.get("dialogs_lingering", 0) + lingering
        state.event("social_dialog_closed", dialogs=closed, still_shown=lingering)
    return len(closed)


async def _click(state: CaptureState, spec: ExpansionSpec, kind: str, patterns: tuple[str, ...],
                 limit: int | None = None, search: bool = False, loads: bool = False, any_change: bool = False) -> int:
    """Click every visible control matching ``patterns`` at once, then wait for their effect (``loads``: the
    controls load comments, and only more comments are the effect; ``any_change``: any change to the page is,
    as a menu opening)."""
    if not patterns:
        return 0
    result = await state.page.evaluate(_CLICK, _step(spec, patterns, limit, search, loads, any_change))
    return _note_clicks(state, kind, result)


async def dismiss(state: CaptureState, spec: ExpansionSpec) -> int:
    """Close the platform's login pop-ups; returns once they are gone (at most ``DIALOG_GONE_MS``: one still
    shown then is counted in the facts as ``dialogs_lingering``)."""
    closing = _closing(spec)
    if closing is None:
        return 0
    return _note_closed(state, await state.page.evaluate(_DISMISS, closing))


class DismissBehaviour:
    name = "social_dismiss"

    async def run(self, state: CaptureState) -> None:
        await dismiss(state, _spec(state))


class AllCommentsBehaviour:
    """Open the ordering menu and choose "All comments" (Facebook shows only "most relevant" ones first)."""

    name = "social_all_comments"

    async def run(self, state: CaptureState) -> None:
        spec = _spec(state)
        if not spec.ordering_open or _limit(state) == 0:
            return
        await dismiss(state, spec)
        if not await _click(state, spec, "ordering_menu", spec.ordering_open, any_change=True):
            return
        limit = min(ORDERING_WAIT_S, _budget(state))
        chosen = await state.page.evaluate(_ORDER_ITEM, {"patterns": list(spec.ordering_all),
                                                         "countSelector": spec.comment, "quiet": EFFECT_QUIET_MS,
                                                         "wait": int(limit * 1000)})
        facts = _facts(state)
        if chosen:
            facts["ordering"] = chosen
            facts["ordering_settled"] = await self._settled(state, limit)
        else:
            facts["ordering"] = "not offered"
            await state.page.keyboard.press("Escape")

    async def _settled(self, state: CaptureState, limit: float) -> str:
        """Wait for the new ordering's comments: the first of comments arriving (then nothing left in flight)
        and the network staying quiet for ``ORDERING_QUIET_S`` after the choice (a choice that changes nothing
        on the page); at most ``limit`` seconds. Returns which came first."""
        arrived = asyncio.ensure_future(state.page.evaluate(_ORDER_SETTLED))
        quiet = asyncio.ensure_future(wait_quiet(state, quiet=ORDERING_QUIET_S, limit=limit, fresh=True))
        try:
            await asyncio.wait({arrived, quiet}, return_when=asyncio.FIRST_COMPLETED)
            if arrived.done() and arrived.result() == "comments arrived":
                quiet.cancel()
                await wait_quiet(state, quiet=0.0, limit=max(0.0, limit - ORDERING_QUIET_S))
                return "comments arrived"
            return "network quiet" if await quiet else "time limit"
        finally:
            for task in (arrived, quiet):
                if not task.done():
                    task.cancel()
            await asyncio.gather(arrived, quiet, return_exceptions=True)
            with contextlib.suppress(Exception):  # the page may be gone (a cancel): nothing left to forget
                await state.page.evaluate(_ORDER_FORGET)


class ExpandBehaviour:
    """Rounds of expansion until nothing new appears; bounded by --comments and the time budget. A round closes
    pop-ups, then clicks "See more", "more comments", "more replies" in turn, each awaited for its effect; the
    page runs the rounds that find something back to back (see ``_ROUNDS``); rounds that find nothing are
    repeated, each after a pause for the network, until none has found anything for ``IDLE_S`` (comments that
    arrived between two rounds count as found). Where the platform has a comment pane, each round scrolls it."""

    name = "social_expand"

    async def run(self, state: CaptureState) -> None:
        spec = _spec(state)
        limit = _limit(state)
        facts = _facts(state)
        facts["limit"] = "all" if limit is None else limit
        budget = _budget(state)
        started = time.monotonic()
        idle_since: float | None = None  # when the rounds last stopped finding anything
        idle_rounds = 0
        seen = -1  # comments on the page after the last round: more at the start of the next is progress too
        steps = [("see_more", _step(spec, spec.see_more))]
        if limit != 0:
            steps += [("more_comments", _step(spec, spec.more_comments, limit, loads=True)),
                      ("more_replies", _step(spec, spec.more_replies, limit, loads=True))]
        while True:
            state.cancel.check()
            if time.monotonic() - started >= budget:
                facts["stopped"] = "time limit"
                state.warn("comments_time_limit",
                           f"expanding comments stopped after {int(budget)} s: more comments may exist than recorded",
                           f"dừng mở rộng bình luận sau {int(budget)} giây: có thể còn bình luận chưa được ghi nhận",
                           seconds=int(budget))
                break
            rounds = await state.page.evaluate(_ROUNDS, {
                "closing": _closing(spec), "steps": [s for _, s in steps], "limit": limit or 0,
                "rounds": 1 if spec.comment_pane else ROUNDS_PER_CALL,
                "slice": int(max(0.0, min(ROUNDS_SLICE_S, budget - (time.monotonic() - started))) * 1000)})
            for done in rounds:  # the page went on to the next round only after one that found something
                facts["rounds"] += 1
                _note_closed(state, done["closed"])
                results = done["results"]
                clicked = sum(_note_clicks(state, kind, result)
                              for (kind, _), result in zip(steps, results, strict=True))
                count = int(results[0]["after"])  # after "See more": what the comment clicks started from
                new_count = int(results[-1]["after"])
            if spec.comment_pane and limit != 0 and (limit is None or count < limit):
                moved = await state.page.evaluate(_SCROLL_PANE, {"pane": spec.comment_pane,
                                                                 "countSelector": spec.comment})
                grown = await self._grew(state, spec, count)
                clicked += 1 if grown else 0
                if moved.get("moved"):
                    facts["clicks"]["pane_scrolls"] = facts["clicks"].get("pane_scrolls", 0) + 1
                new_count = await self._count(state, spec)
            if limit is not None and limit and new_count >= limit:
                facts["stopped"] = f"limit of {limit} comments reached"
                break
            if clicked == 0 and new_count == count and count <= seen:
                now = time.monotonic()
                idle_since = now if idle_since is None else idle_since
                idle_rounds += 1
                # a pause for what the round started, quiet counted from now (a page quiet for long would otherwise
                # not pause at all: hundreds of rounds a second); a page that never goes quiet (a playing video)
                # waits the limit: the idle time, not the quiet, decides
                await wait_quiet(state, quiet=0.3, limit=min(1.0, max(0.0, budget - (now - started))), fresh=True)
                # no comments on this platform's pages (Telegram, Zalo): none can be late, a second look is enough
                if time.monotonic() - idle_since >= IDLE_S or (not spec.comment and idle_rounds >= 2):
                    facts["stopped"] = "nothing left to expand"
                    facts["idle_rounds"] = idle_rounds  # those that found nothing, at the end
                    break
            else:
                idle_since, idle_rounds = None, 0
            seen = new_count
        facts["comments_seen"] = await self._count(state, spec)
        facts["seconds"] = round(time.monotonic() - started, 2)
        await dismiss(state, spec)

    async def _count(self, state: CaptureState, spec: ExpansionSpec) -> int:
        if not spec.comment:
            return 0
        return int(await state.page.evaluate("(s) => document.querySelectorAll(s).length", spec.comment))

    async def _grew(self, state: CaptureState, spec: ExpansionSpec, before: int) -> bool:
        """After scrolling a lazy list: wait for the network, then see whether comments were added."""
        await wait_quiet(state, quiet=0.25, limit=2.0)
        return await self._count(state, spec) > before


BEHAVIOURS = ("social_dismiss", "network_idle", "social_all_comments", "social_expand", "scroll", "network_idle",
              "social_dismiss", "scroll_to_top")
for _behaviour in (DismissBehaviour(), AllCommentsBehaviour(), ExpandBehaviour()):
    register_behaviour(_behaviour)
