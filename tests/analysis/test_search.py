"""Full-text search inside the encrypted vault: Vietnamese with and without marks, real documents, bad input."""

from __future__ import annotations

import pytest

from evidence_store import Vault, search_index
from forensics_app.services import analysis, search
from forensics_app.services.search import QuerySyntaxError, to_fts

from ..conftest import PASSPHRASE, assert_verifies_clean
from .helpers import FIXTURES, add, fixture

LAW = "vi/bo_luat_hinh_su_2015_trich.txt"


def _names(hits: list[search.SearchHit]) -> list[str]:
    return [h.item_name for h in hits]


def test_vietnamese_matches_with_and_without_marks(vault, case):
    add(vault, case, "luat.txt", fixture(LAW))
    analysis.index_pending(vault)
    for query in ("chiem doat tai san", "chiếm đoạt tài sản", "CHIEM DOAT", '"lua dao chiem doat"',
                  "dieu 174", "Điều 174", "doi voi", "đối với", "Dieu AND 27"):
        hits = search.search(vault, query)
        assert _names(hits) == ["luat.txt"], query
    # đ is a letter of its own (not d + a mark): folded on both sides, shown as written in the snippet
    hit = search.search(vault, "dieu 174")[0]
    assert "⟦Điều⟧ ⟦174⟧" in hit.hit.snippet
    assert hit.hit.place == "offset 0"
    assert search.search(vault, '"lua dao chiem doat" -"tai pham"') == []  # both in the same piece
    assert search.search(vault, "chuyen khoan") == []  # not in this text: no false hit


def test_real_documents_are_indexed_with_their_place(vault, case):
    expected = {  # a sentence from each document, as textract's maintainers read it
        "textract/docx_raw_text.docx": ("Sample text is hard", "paragraph"),
        "textract/pdf_raw_text.pdf": ("Semiotics church-key VHS", "page 1"),
        "textract/xlsx_raw_text.xlsx": ("Returns the average for the cells specified by a given criterion", "sheet"),
        "textract/pptx_raw_text.pptx": ("I love PowerPoint", "slide 1"),
        "textract/html_raw_text.html": ("The Avalanche at Tunnel Creek", "text offset"),
        "textract/eml_raw_text.eml": ("test", "headers"),
    }
    for name in expected:
        add(vault, case, name.split("/")[1], fixture(name))
    report = analysis.index_pending(vault)
    assert report.not_indexed == []
    for name, (sentence, place) in expected.items():
        hits = search.search(vault, f'"{sentence}"', limit=10)
        found = [h.hit.place for h in hits if h.item_name == name.split("/")[1]]
        assert any(p.startswith(place) for p in found), (name, found)


def test_html_fixture_text_matches_textract(vault, case):
    """Every word of textract's expected text of the HTML page can be found (sampled lines)."""
    add(vault, case, "page.html", fixture("textract/html_raw_text.html"), kind="html", media_type="text/html")
    analysis.index_pending(vault)
    lines = [line.strip() for line in (FIXTURES / "textract/html_raw_text.txt").read_text().splitlines()
             if len(line.split()) >= 4 and line.isascii()]
    assert len(lines) > 20
    for line in lines[:: max(1, len(lines) // 15)]:
        words = [w for w in search._words(line) if len(w) > 1][:5]
        assert search.search(vault, " ".join(words)), line


@pytest.mark.parametrize("name,data,reason", [
    ("truncated.pdf", fixture("textract/pdf_raw_text.pdf")[:30000], "truncated PDF"),
    ("broken.docx", fixture("textract/docx_raw_text.docx")[:20000], "not a readable zip"),
    ("broken.xlsx", b"PK\x03\x04" + b"\0" * 200, "not a readable zip"),
    ("binary.txt", b"\x7fELF\x02\x01\x01\0\0\0" + bytes(range(256)) * 4, "binary content"),
])
def test_malformed_documents_are_recorded_not_indexed(vault, case, name, data, reason):
    item = add(vault, case, name, data)
    ok = add(vault, case, "ok.txt", b"still indexed after the bad one")
    report = analysis.index_pending(vault)
    assert [(i, r) for i, r in report.not_indexed if i == item.id] and reason in dict(report.not_indexed)[item.id]
    states = {s.item_id: s for s in search_index.index_states(vault)}
    assert states[item.id].status == "not_indexed" and reason in states[item.id].reason
    assert states[ok.id].status == "indexed"
    assert _names(search.search(vault, "still indexed")) == ["ok.txt"]
    assert _names(search.search(vault, name.split(".")[0])) == [name]  # its name is still searchable


def test_huge_text_file_is_indexed_in_pieces(vault, case):
    line = "Người nào bằng thủ đoạn gian dối chiếm đoạt tài sản của người khác. " * 100
    data = (line + "\n").encode() * 300 + "mã cuối cùng XYZZY42".encode()
    item = add(vault, case, "big.txt", data)
    analysis.index_pending(vault)
    pieces = [(place, text) for place, text in search_index.pieces_of(vault, item.id) if place.startswith("offset")]
    assert len(pieces) > 10 and max(len(text) for _place, text in pieces) <= 32_000
    assert "".join(text for _place, text in pieces) == data.decode()
    hit = search.search(vault, "XYZZY42")[0]
    assert hit.hit.place == pieces[-1][0] != "offset 0"


@pytest.mark.parametrize("query,position", [
    ('"chuyen khoan', 1), ("(a OR b", 1), ("a OR", 3), ("-a", 1), ("a b)", 4), ("abc*def", 4), ("()", 1),
    ("", 1), ("...", 1),
])
def test_syntax_errors_name_the_position(query, position):
    with pytest.raises(QuerySyntaxError) as info:
        to_fts(query)
    assert info.value.position + 1 == position, str(info.value)
    assert f"position {position}" in str(info.value)


def test_query_text_never_reaches_fts5_as_syntax():
    assert to_fts('NEAR(a b) col:x "x" OR y') == '(("NEAR" AND ("a" AND "b") AND "col x" AND "x") OR "y")'
    assert to_fts("0912.345.678") == '"0912 345 678"'
    assert to_fts("Đặng*") == '"Dặng"*'


def test_search_across_cases_and_kinds(vault, case):
    other = vault.create_case("VV-2026-002", "Khác")
    add(vault, case, "a.txt", "Tài khoản Vietcombank của Đặng Văn Đức".encode())
    add(vault, other, "b.html", "<p>Đặng Văn Đức nhận chuyển khoản</p>".encode(), kind="html", media_type="text/html")
    analysis.index_pending(vault)
    assert sorted(_names(search.search(vault, "dang van duc"))) == ["a.txt", "b.html"]
    assert _names(search.search(vault, "dang van duc", case="VV-2026-002")) == ["b.html"]
    assert _names(search.search(vault, "dang van duc", kinds=["html"])) == ["b.html"]
    assert sorted(search.cases_with(vault, "dang van duc")) == [("VV-2026-001", 1), ("VV-2026-002", 1)]


def test_index_content_is_inside_the_encrypted_database(vault, case, vault_dir):
    add(vault, case, "secret.txt", "mật khẩu là QUOKKA-7781".encode())
    analysis.index_pending(vault)
    vault.close()
    for path in vault_dir.rglob("*"):
        if path.is_file():
            assert b"QUOKKA" not in path.read_bytes(), path
    reopened = Vault.open(vault_dir, PASSPHRASE)
    try:
        assert _names(search.search(reopened, "quokka")) == ["secret.txt"]
        assert_verifies_clean(reopened)
    finally:
        reopened.close()


def test_incremental_rebuild_and_cancel(vault, case):
    from evidence_store.tasks import CancelToken

    for n in range(5):
        add(vault, case, f"f{n}.txt", f"tài liệu số {n} ZEBRA".encode())
    token = CancelToken()
    seen = []

    def progress(done, total, label):
        seen.append((done, total))
        if done == 2:
            token.cancel()

    report = analysis.index_pending(vault, progress=progress, cancel=token)
    assert report.cancelled and report.items == 0  # the group was not stored: nothing half-done
    assert seen[0] == (1, 5)
    assert analysis.index_pending(vault).items == 5
    assert analysis.index_pending(vault).items == 0  # incremental: nothing left
    assert len(search.search(vault, "zebra")) == 5
    report = analysis.rebuild(vault)
    assert report.items == 5 and len(search.search(vault, "zebra")) == 5
    actions = [e.record["action"] for e in vault.custody.entries()]
    assert "analysis.clear" in actions and actions.count("analysis.index") == 2


def test_acquisition_indexes_through_the_service_hook(vault, case, tmp_path):
    from forensics_app.services.files import add_files

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ghi chu.txt").write_text("Liên hệ 0912 345 678 để chuyển khoản", encoding="utf-8")
    add_files(vault, case.number, [tmp_path / "src"])
    assert _names(search.search(vault, "chuyen khoan")) == ["ghi chu.txt"]


def test_too_many_matches_to_rank_come_newest_first(vault, case, monkeypatch):
    for n in range(6):
        add(vault, case, f"f{n}.txt", ("lừa đảo " * (n + 1)).encode())
    analysis.index_pending(vault)
    ranked = search.search(vault, "lua dao")
    assert all(h.hit.ranked for h in ranked) and ranked[0].item_name == "f5.txt"  # BM25: most occurrences first
    monkeypatch.setattr(search_index, "RANK_LIMIT", 3)
    newest = search.search(vault, "lua dao", limit=4)
    assert [h.item_name for h in newest] == ["f5.txt", "f4.txt", "f3.txt", "f2.txt"]
    assert not any(h.hit.ranked for h in newest)


def test_sorting_and_index_merges_never_spill_plaintext_to_temp_files():
    """SQLite sorts (ORDER BY rank, GROUP BY) and FTS5 merges in temp storage: the build keeps it in memory."""
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    options = {row[0] for row in conn.execute("PRAGMA compile_options")}
    assert "TEMP_STORE=2" in options or "TEMP_STORE=3" in options
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 0  # default: as compiled (memory)
    assert "ENABLE_FTS5" in options


def test_a_vault_indexed_before_search_meta_is_migrated(vault, case, vault_dir):
    add(vault, case, "a.txt", "chiếm đoạt tài sản".encode())
    analysis.index_pending(vault)
    with vault._write():  # as a vault indexed under the first analysis migration only
        vault.conn.execute("DROP TABLE search_meta")
        vault.conn.execute("DELETE FROM migrations WHERE name = '0017-analysis-search-meta'")
    vault.close()
    reopened = Vault.open(vault_dir, PASSPHRASE)
    try:
        assert _names(search.search(reopened, "chiem doat", case=case.number)) == ["a.txt"]
        assert_verifies_clean(reopened)
    finally:
        reopened.close()
