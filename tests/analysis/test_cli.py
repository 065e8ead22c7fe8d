"""The command line of search, entities and index: --json everywhere, bad input exits 2 with one line."""

from __future__ import annotations

from .helpers import FIXTURES


def test_search_entities_index_cli(cli_vault, tmp_path):
    cli = cli_vault
    assert cli("case", "new", "--number", "C1", "--title", "một").code == 0
    assert cli("case", "new", "--number", "C2", "--title", "hai").code == 0
    src = tmp_path / "src"
    src.mkdir()
    (src / "luat.txt").write_bytes((FIXTURES / "vi/bo_luat_hinh_su_2015_trich.txt").read_bytes())
    (src / "tin nhan.txt").write_text("Chuyển khoản Vietcombank STK 0071000123456, Zalo 0912.345.678")
    (src / "hong.pdf").write_bytes((FIXTURES / "textract/pdf_raw_text.pdf").read_bytes()[:20000])
    assert cli("files", "add", str(src), "--case", "C1").code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text("gọi +84 912 345 678")
    assert cli("files", "add", str(other), "--case", "C2").code == 0

    result = cli("search", "chiem doat tai san", "--json")
    assert result.code == 0, result.err
    hits = result.json()["hits"]  # type: ignore[index]
    assert [h["item_name"] for h in hits] == ["luat.txt"] and "⟦chiếm⟧" in hits[0]["snippet"]
    assert hits[0]["place"] == "offset 0" and hits[0]["case"] == "C1"
    result = cli("search", "0912.345.678", "--all-cases", "--json")
    assert sorted(h["case"] for h in result.json()["hits"]) == ["C1"]  # type: ignore[index]
    assert cli("search", "zalo", "--case", "C2", "--json").json()["hits"] == []  # type: ignore[index]
    assert "position 1: unclosed quote" in cli("search", '"chuyen khoan').one_line_error()
    assert "position 4" in cli("search", "ab OR").one_line_error()
    cli("search", "x", "--case", "C1", "--all-cases").one_line_error()

    listed = cli("entities", "list", "--case", "C1", "--type", "phone", "--json").json()
    assert [e["value"] for e in listed] == ["+84912345678"]  # type: ignore[union-attr,index]
    shown = cli("entities", "show", "0912 345 678", "--json").json()
    assert [c["number"] for c in shown[0]["cases"]] == ["C1", "C2"]  # type: ignore[index]
    assert "not found" in cli("entities", "show", "0999 999 999").one_line_error()
    watch = cli("entities", "watch", "add", "0912345678", "--json").json()
    assert watch[0]["value"] == "+84912345678" and watch[0]["existing_occurrences"] == 2  # type: ignore[index]
    assert len(cli("entities", "alerts", "--json").json()["alerts"]) == 2  # type: ignore[index]

    status = cli("index", "status", "--json").json()
    assert status["pending"] == 0  # type: ignore[index]
    assert [r["item_id"] for r in status["not_indexed"]]  # type: ignore[index]
    assert "truncated PDF" in status["not_indexed"][0]["reason"]  # type: ignore[index]
    rebuilt = cli("index", "rebuild", "--json")
    assert rebuilt.code == 0 and rebuilt.json()["items"] == len(cli.items())  # type: ignore[index]
    assert len(cli("entities", "alerts", "--json").json()["alerts"]) == 2  # type: ignore[index]
