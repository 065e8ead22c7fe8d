"""One catalogue, both languages: every error, warning, custody action and problem the code can show.

The lists come from reading the code (``tests/catalogue_scan.py``), so a raise site,
warning code or custody action added tomorrow without its Vietnamese fails here.
"""

from __future__ import annotations

import ast
import re
import string

import pytest

from evidence_store.catalogue import MissingText, lookup
from evidence_store.catalogue.actions import ACTIONS, action_words, facts
from evidence_store.catalogue.problems import PROBLEMS
from evidence_store.catalogue.provenance import FIELDS
from evidence_store.catalogue.remedies import CLI, cli_remedy
from evidence_store.catalogue.system import describe, describe_text
from evidence_store.catalogue.warnings import WARNINGS, label, meaning
from evidence_store.errors import ForensicsError, UsageError, bilingual

from . import catalogue_scan as scan

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+|`forensics |\bforensics (case|items|vault|report|tip|watch|profile) ")
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_raise_site_gives_a_vietnamese_message() -> None:
    sites, missing = scan.raise_sites()
    assert len(sites) > 350  # the scan sees the code (a broken scan would pass vacuously)
    assert not missing, "errors raised without message_vi:\n" + "\n".join(map(str, missing))


def test_vietnamese_messages_are_vietnamese_and_name_no_command_line_flag() -> None:
    found = scan.messages_vi()
    assert len(found) > 350
    flags = [str(site) for site, text in found if FLAG.search(text)]
    assert not flags, "a Vietnamese message names a flag or command (use remedy=…):\n" + "\n".join(flags)
    untranslated = [str(site) for site, text in found if len(text) > 25 and not VIETNAMESE.search(text)]
    assert not untranslated, "\n".join(untranslated)


def test_every_remedy_is_worded_for_both_shells() -> None:
    from forensics_app.gui.texts import TEXTS

    named = scan.remedies()
    assert "allow_private_addresses" in named and "reopen_case" in named
    for remedy, site in named.items():
        assert CLI.get(remedy), f"{site}: remedy {remedy!r} has no command-line wording"
        en, vi = TEXTS.get(f"remedy.{remedy}", ("", ""))
        assert en and vi, f"{site}: remedy {remedy!r} has no wording in the desktop app (remedy.{remedy})"
        assert not FLAG.search(en) and not FLAG.search(vi), remedy
    with pytest.raises(MissingText):
        cli_remedy("no_such_remedy")


def test_an_error_speaks_both_languages_and_each_shell_words_its_remedy() -> None:
    from collectors.web.urls import check_address
    from forensics_app.gui import i18n
    from forensics_app.gui.errors import message_for

    with pytest.raises(ForensicsError) as caught:
        check_address("127.0.0.1", False, "localhost")
    error = caught.value
    assert "--allow-private-addresses" in str(error)  # the command line names its flag …
    assert "--" not in error.text("en") and "--" not in error.text("vi")
    assert "địa chỉ nội bộ" in error.text("vi")
    try:
        i18n.set_language("vi")
        title, text = message_for(error)
        assert "--" not in text and "Tuỳ chọn thu thập" in text and "Cho phép trang truy cập địa chỉ nội bộ" in text
        i18n.set_language("en")
        assert "Capture options" in message_for(error)[1]
    finally:
        i18n.set_language("vi")


def test_system_errors_are_put_in_words() -> None:
    import errno
    import socket

    en, vi = describe(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert "DNS" in en and "tên miền" in vi and "Errno" not in vi
    en, vi = describe(FileNotFoundError(errno.ENOENT, "No such file or directory", "/tmp/x"))
    assert vi == "/tmp/x: không có tệp hoặc thư mục này"
    assert describe_text("[Errno -2] Name or service not known")[1].startswith("tên miền không tồn tại")
    assert "ERR_NAME_NOT_RESOLVED" in describe_text("net::ERR_NAME_NOT_RESOLVED at https://x.invalid/")[1]
    assert bilingual(UsageError("x", message_vi="y")) == ("x", "y")


def test_every_warning_code_has_its_words() -> None:
    codes, unresolved = scan.warning_codes()
    assert len(codes) > 60 and "clock_not_checked" in codes and "recovery_read_short" in codes
    assert not unresolved, "warning codes this scan cannot read (use a literal code):\n" + "\n".join(map(str, unresolved))
    missing = sorted(code for code in codes if code not in WARNINGS)
    assert not missing, "warning codes without words in evidence_store/catalogue/warnings.py: " + ", ".join(missing)
    for code, text in WARNINGS.items():
        assert all(part.strip() for part in text), code
        assert label(code, "vi") != label(code, "en") and meaning(code, "vi") != meaning(code, "en"), code
        assert not FLAG.search(text.meaning_vi) and not FLAG.search(text.meaning_en), code


def test_warning_sentences_name_no_command_line_flag() -> None:
    wrong = []
    for rel, tree in scan.modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and scan._name(node.func) in ("ItemWarning", "warn", "_warn", "warning",
                                                                        "note") and len(node.args) >= 3:
                for arg in node.args[1:3]:
                    text = " ".join(c.value for c in ast.walk(arg) if isinstance(c, ast.Constant)
                                    and isinstance(c.value, str))
                    if FLAG.search(text):
                        wrong.append(f"{rel}:{node.lineno}: {text[:100]}")
    assert not wrong, "\n".join(wrong)


def test_every_custody_action_is_in_words() -> None:
    actions, unresolved = scan.custody_actions()
    assert len(actions) > 50 and "item.acquire" in actions and "web.capture_batch" in actions
    assert not unresolved, "custody actions this scan cannot read:\n" + "\n".join(map(str, unresolved))
    missing = sorted(a for a in actions if a not in ACTIONS)
    assert not missing, "custody actions without words in evidence_store/catalogue/actions.py: " + ", ".join(missing)
    for action in ACTIONS:
        assert action_words(action, "vi") and action_words(action, "en") != action_words(action, "vi") or \
            action_words(action, "vi"), action
    with pytest.raises(MissingText):
        action_words("no.such_action", "vi")


def test_entry_facts_are_words_not_json() -> None:
    run = {"batch": "78792f10f14c9189", "urls": 2, "cancelled": False,
           "captured": [{"url": "http://a", "item": 5, "complete": True}],
           "failed": [{"url": "http://b", "error": "refused"}], "skipped": [], "options": {"device": "desktop"}}
    assert facts("web.capture_batch", run, "vi") == "1/2 địa chỉ đã thu thập, 1 thất bại"
    assert facts("web.capture_batch", run, "en") == "1 of 2 addresses captured, 1 failed"
    assert facts("item.view", {"purpose": "preview"}, "vi") == "xem trong khung xem trước"
    changed = facts("settings.change", {"key": "place", "old": None, "new": "Hà Nội"}, "vi",
                    {"place": ("Place", "Địa điểm")})
    assert changed == "Địa điểm: — → Hà Nội"
    for text in (facts("item.acquire", {"name": "a.txt", "sha256": "ab" * 32}, "vi"), changed):
        assert "{" not in text and "\"" not in text


def test_every_problem_code_is_in_words() -> None:
    codes = set()
    for rel, tree in scan.modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = scan._name(node.func)
            first = node.args[0] if node.args else None
            owner = scan._name(getattr(node.func, "value", node.func))
            if isinstance(first, ast.Constant) and (name == "Problem" or (name == "add" and owner == "check")):
                codes.add(first.value)
            elif name == "append" and isinstance(first, ast.Tuple) and first.elts \
                    and isinstance(first.elts[0], ast.Constant) and isinstance(first.elts[0].value, str) \
                    and owner == "found" and rel.startswith("evidence_store"):
                codes.add(first.elts[0].value)
    assert len(codes) > 30 and "blob_missing" in codes | set(PROBLEMS) and "bad_seal" in codes
    missing = sorted(codes - set(PROBLEMS))
    assert not missing, missing
    for code, (en, vi) in PROBLEMS.items():
        assert en and vi and en != vi, code


def test_the_three_catalogs_behave_alike_on_a_missing_key() -> None:
    from forensics_app.gui import analysis_texts, annotate_dialog, i18n, monitor_view
    from report_templates.i18n import t

    for call in (lambda: i18n.tr("no.such.key"), lambda: i18n.tr_in("en", "no.such.key"),
                 lambda: analysis_texts.t("no.such.key"), lambda: t("no.such.key", "vi"),
                 lambda: monitor_view.t("mon.status.no_such_status"), lambda: annotate_dialog.t("field.no_such")):
        with pytest.raises(MissingText):
            call()
    assert i18n.tr_or("no.such.key", "as recorded") == "as recorded"
    with pytest.raises(MissingText):
        lookup({}, "x", "vi")


@pytest.mark.parametrize("table", ["gui", "analysis", "reports", "actions", "problems", "fields"])
def test_every_table_has_both_languages_with_the_same_fields(table: str) -> None:
    from forensics_app.gui.analysis_texts import TEXTS as ANALYSIS
    from forensics_app.gui.texts import TEXTS
    from report_templates.strings import STRINGS

    entries = {"gui": TEXTS, "analysis": ANALYSIS, "reports": STRINGS, "actions": ACTIONS, "problems": PROBLEMS,
               "fields": FIELDS}[table]
    for key, (en, vi) in entries.items():
        assert en.strip() and vi.strip(), key
        assert _fields(en) == _fields(vi), f"{key}: {_fields(en)} != {_fields(vi)}"


def test_every_item_kind_has_a_name_in_the_app_and_the_reports() -> None:
    from forensics_app.gui.texts import TEXTS
    from report_templates.strings import STRINGS

    section = (scan.ROOT / "CONTRIBUTING.md").read_text("utf-8").split("## Item kinds")[1].split("\n## ")[0]
    kinds = {k for line in section.splitlines() if line.startswith("| `")
             for k in re.findall(r"`([a-z_]+)`", line.split("|")[1])}
    assert {"web_capture", "disk_image", "conversation", "timeline"} <= kinds
    assert not sorted(k for k in kinds if f"kind.{k}" not in TEXTS), "desktop app"
    assert not sorted(k for k in kinds if f"kind.{k}" not in STRINGS), "reports"


def _health_values_written() -> set[str]:
    """Every literal a module writes as a watch's health (``"health": "x"`` or ``…["health"] = "x"``)."""
    found: set[str] = set()
    for _rel, tree in scan.modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                found |= {v.value for k, v in zip(node.keys, node.values, strict=True)
                          if isinstance(k, ast.Constant) and k.value == "health" and isinstance(v, ast.Constant)}
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                found |= {node.value.value for target in node.targets if isinstance(target, ast.Subscript)
                          and isinstance(target.slice, ast.Constant) and target.slice.value == "health"}
    return found


def test_every_value_the_stores_write_is_in_words_in_both_languages() -> None:
    """Statuses, kinds, channels and field names come from stored data: each one the code can write is listed
    (a value the desk would otherwise show raw, or fail on, once the missing-key lookup raises)."""
    from evidence_store import monitor_store, tip_store
    from forensics_app.gui import annotate_dialog, monitor_texts
    from forensics_app.services.monitor import KINDS
    from forensics_app.services.social import ANNOTATION_FIELDS

    written = _health_values_written()
    assert "failing" in written and written <= set(monitor_store.HEALTHS), written
    keys = [(monitor_texts.TEXTS, [f"mon.status.{s}" for s in monitor_store.WATCH_STATUSES]
             + [f"mon.health.{h}" for h in monitor_store.HEALTHS] + [f"mon.kind.{k}" for k in KINDS]
             + [f"mon.tip.{s}" for s in tip_store.STATUSES] + [f"mon.tip.channel.{c}" for c in tip_store.CHANNELS]),
            (annotate_dialog.TEXTS, [f"field.{name}" for name in ANNOTATION_FIELDS])]
    for table, wanted in keys:
        missing = [key for key in wanted if key not in table]
        assert not missing, missing
        for key in wanted:
            en, vi = table[key]
            assert en.strip() and vi.strip() and en != vi, key
            assert _fields(en) == _fields(vi), key
