"""Need-to-know across cases: each examiner sees the content of their own cases and only a count of the others'."""

from __future__ import annotations

import json

import pytest

from evidence_store import UsageError, Vault
from forensics_app.services import alerts, analysis, case_access, entities, search

from ..conftest import PASSPHRASE, assert_verifies_clean
from .helpers import add

MINH = "Lê Văn Minh"
MINH_PASS = "mật khẩu của Minh"
SHARED = "Zalo 0912.345.678 nhận chuyển khoản"


@pytest.fixture
def two_cases(vault: Vault):
    """Kiểm owns C1, Minh owns C2; one phone number occurs in both (and a word each keeps to itself)."""
    vault.add_examiner(MINH, MINH_PASS)
    c1 = vault.create_case("C1", "một")
    c2 = vault.create_case("C2", "hai", examiner=MINH)
    add(vault, c1, "a.txt", f"{SHARED}; bí mật của vụ một".encode())
    add(vault, c2, "b.txt", f"gọi +84 912 345 678, {SHARED}, mật khẩu ngân hàng Vietcombank".encode())
    analysis.index_pending(vault)
    return c1, c2


def _as_minh(vault: Vault) -> Vault:
    return Vault.open(vault.root, MINH_PASS)


def test_each_examiner_sees_own_hits_and_a_count_of_the_others(vault, two_cases):
    c1, c2 = two_cases
    hits = search.search(vault, "chuyen khoan")
    assert {h.case_number for h in hits} == {"C1"}
    shown, hidden = search.cross_case(vault, "chuyen khoan")
    assert shown == [("C1", 1)] and (hidden.count, hidden.cases, hidden.owners) == (1, 1, (MINH,))
    assert hidden.message() == f"1 hit in 1 case you are not assigned to (ask the case owner: {MINH})"
    assert "vụ việc bạn không được phân công" in hidden.message("vi")
    assert search.search(vault, "vietcombank") == []  # only in C2: nothing shown …
    assert search.cross_case(vault, "vietcombank")[1].count == 1  # … and not silence
    # Kiểm administers the vault: naming a case (or an item) reaches it, the lists across cases do not
    assert [h.case_number for h in search.search(vault, "vietcombank", case="C2")] == ["C2"]

    card = entities.show(vault, "0912345678")[0]
    assert [c["number"] for c in card.cases] == ["C1"] and {o.case_id for o in card.occurrences} == {c1.id}
    assert card.entity.occurrences == 1 and card.entity.cases == 1
    assert (card.hidden.count, card.hidden.cases) == (2, 1)  # two occurrences in C2's item
    assert all("Vietcombank" not in o.snippet for o in card.occurrences)
    assert all(e.value != "vietcombank" for e, _ in card.linked)  # nothing learnt through what it appears with
    assert {e.value for e in entities.list_entities(vault)} >= {"+84912345678"}

    with _as_minh(vault) as minh:  # Minh is no administrator: naming Kiểm's case is refused, and logged
        with pytest.raises(UsageError, match="not assigned to case C1: ask its owner, Nguyễn Văn Kiểm"):
            search.search(minh, "bi mat", case="C1")
        with pytest.raises(UsageError, match="not assigned"):
            search.hit_context(minh, vault.list_items(c1.id)[0].id, "offset 0")
        with pytest.raises(UsageError, match="not assigned"):
            entities.list_entities(minh, "C1")
        assert {h.case_number for h in search.search(minh, "chuyen khoan")} == {"C2"}
        assert search.cross_case(minh, "bi mat")[1].owners == ("Nguyễn Văn Kiểm",)
        card = entities.show(minh, "0912345678")[0]
        assert [c["number"] for c in card.cases] == ["C2"] and card.hidden.count == 1
        assert all("bí mật" not in o.snippet for o in card.occurrences)


def test_assignment_is_logged_and_changes_what_is_seen(vault, two_cases):
    c1, c2 = two_cases
    with _as_minh(vault) as minh:
        with pytest.raises(UsageError, match="only the owner of case C1 or an administrator"):
            case_access.assign(minh, "C1", MINH)  # a non-owner cannot let themselves in
        case_access.assign(minh, "C2", "Nguyễn Văn Kiểm")  # the owner shares their case
    assert {h.case_number for h in search.search(vault, "chuyen khoan")} == {"C1", "C2"}
    assert not search.cross_case(vault, "chuyen khoan")[1]
    assert [m.to_json()["role"] for m in case_access.members(vault, "C2")] == ["owner", "assigned"]
    case_access.unassign(vault, "C2", "Nguyễn Văn Kiểm")  # Kiểm is an administrator
    assert {h.case_number for h in search.search(vault, "chuyen khoan")} == {"C1"}
    case_access.set_owner(vault, "C1", MINH)  # Kiểm hands C1 over and stays assigned
    assert vault.get_case("C1").examiner == MINH
    assert [(m.examiner, m.role) for m in case_access.members(vault, "C1")] == [(MINH, "owner"),
                                                                               ("Nguyễn Văn Kiểm", "assigned")]
    actions = [(r["action"], r["details"]) for r in (e.record for e in vault.custody.entries())
               if r["action"].startswith("case.")]
    changes = [(a, d) for a, d in actions if a != "case.create"]
    assert [a for a, _ in changes] == ["case.assign", "case.unassign", "case.owner"]
    assert changes[0][1]["by"] == "owner" and changes[1][1]["by"] == "admin"
    assert changes[-1][1]["from"] == "Nguyễn Văn Kiểm" and actions[-1][1]["to"] == MINH
    assert_verifies_clean(vault)


def test_watch_alerts_show_only_assigned_cases(vault, two_cases):
    c1, _ = two_cases
    entities.watch(vault, ["0912345678"])
    desk = [a for a in alerts.all_alerts(vault) if a.source == "entity"]
    assert {a.case_id for a in desk} == {c1.id}
    hidden = alerts.hidden_entity_alerts(vault)
    assert (hidden.count, hidden.cases) == (1, 1) and hidden.what == "alerts"  # one alert per place
    with _as_minh(vault) as minh:
        theirs = [a.ref for a in alerts.all_alerts(minh) if a.source == "entity"]
    assert len(theirs) == 1
    assert alerts.mark_read(vault, theirs) == 0  # one cannot mark read what one may not see


def test_a_lone_examiner_sees_every_case(vault):
    c1 = vault.create_case("C1", "một")
    add(vault, c1, "a.txt", SHARED.encode())
    analysis.index_pending(vault)
    vault.add_examiner(MINH, MINH_PASS)
    vault.remove_examiner(MINH)  # one active examiner again: the whole team
    assert case_access.visible(vault) is None
    with Vault.open(vault.root, PASSPHRASE) as again:
        assert [h.case_number for h in search.search(again, "chuyen khoan")] == ["C1"]


def test_cli_shows_counts_never_content_of_unassigned_cases(cli_vault, tmp_path):
    cli = cli_vault
    minh = {"FORENSICS_PASSPHRASE": MINH_PASS}
    assert cli("examiner", "add", MINH, env={"FORENSICS_NEW_EXAMINER_PASSPHRASE": MINH_PASS}).code == 0
    assert cli("case", "new", "--number", "C1", "--title", "một").code == 0
    assert cli("case", "new", "--number", "C2", "--title", "hai").code == 0
    for number, text in (("C1", f"{SHARED} bí mật một"), ("C2", f"{SHARED} bí mật hai")):
        src = tmp_path / number
        src.mkdir()
        (src / "tin.txt").write_text(text)
        assert cli("files", "add", str(src), "--case", number).code == 0
    # Trần Thị Thu owns both; she hands C2 to Minh and is no longer assigned to it
    assert cli("case", "owner", "C2", MINH).code == 0
    assert cli("case", "unassign", "C2", "Trần Thị Thu").code == 0
    shown = cli("case", "show", "C2", "--json").json()
    assert shown["examiners"] == [{"examiner": MINH, "role": "owner", "added_at": shown["created_at"]}]  # type: ignore[index]
    assert cli("index", "update").code == 0

    for who, env, mine, other in (("Thu", {}, "C1", "C2"), ("Minh", minh, "C2", "C1")):
        result = cli("search", "bi mat", "--all-cases", "--json", env=env)
        assert result.code == 0, result.err
        data = result.json()
        assert [h["case"] for h in data["hits"]] == [mine], who  # type: ignore[index]
        assert data["cases"] == [{"case": mine, "pieces": 1}]  # type: ignore[index]
        hidden = data["hidden"]  # type: ignore[index]
        assert hidden["hits"] == 1 and hidden["cases"] == 1 and "not assigned" in hidden["message"]
        assert "phân công" in hidden["message_vi"]
        text = cli("search", "bi mat", "--all-cases", env=env).out
        assert "1 hit in 1 case you are not assigned to" in text and f"bí mật {'hai' if mine == 'C1' else 'một'}" \
            not in text
        # the other case's snippet, by any search or entity command: refused, or counted only (Thu administers
        # the vault: she may name Minh's case, in the lists across cases she is counted like anyone)
        if who == "Minh":
            assert "not assigned to case" in cli("search", "bi mat", "--case", other, env=env).one_line_error()
            assert "not assigned to case" in cli("entities", "list", "--case", other, env=env).one_line_error()
        else:
            assert cli("search", "bi mat", "--case", other, env=env).code == 0
        cards = cli("entities", "show", "0912 345 678", "--json", env=env).json()
        assert [c["number"] for c in cards[0]["cases"]] == [mine]  # type: ignore[index]
        assert {o["case_id"] for o in cards[0]["occurrences"]} == {cards[0]["cases"][0]["case_id"]}  # type: ignore[index]
        assert cards[0]["hidden"]["occurrences"] == 1 and cards[0]["hidden"]["cases"] == 1  # type: ignore[index]
        dumped = "".join(cli(*args, env=env).out for args in (
            ("search", "bi mat", "--all-cases", "--json"), ("search", "0912345678", "--json"),
            ("entities", "show", "0912345678", "--json"), ("entities", "list", "--json"),
            ("entities", "alerts", "--all", "--json")))
        secret = "hai" if mine == "C1" else "một"
        assert f"bí mật {secret}" not in json.dumps(dumped, ensure_ascii=False) and f"bí mật {secret}" not in dumped

    watched = cli("entities", "watch", "add", "0912345678", "--json", env=minh).json()
    assert watched[0]["existing_occurrences"] == 2  # type: ignore[index]
    listed = cli("entities", "alerts", "--json", env=minh).json()
    assert len(listed["alerts"]) == 1 and listed["hidden"]["alerts"] == 1  # type: ignore[index,arg-type]
    assert "bí mật một" not in json.dumps(listed, ensure_ascii=False)
    assert "only the owner of case C1" in cli("case", "assign", "C1", MINH, env=minh).one_line_error()
    log = cli("custody", "log", "--json").json()
    assert [e["action"] for e in log if e["action"] in ("case.owner", "case.unassign")] == [  # type: ignore[index,union-attr]
        "case.owner", "case.unassign"]
