"""The examiner completes a social record: an annotation child item (hashed, logged), from the CLI, into the
court report beside what the tool read. No browser: the capture is a stored record built from a real page."""

from __future__ import annotations

import io
import json
from pathlib import Path

from evidence_store import Vault
from forensics_app.services.social import annotate, list_annotations
from tests.conftest import Cli, assert_verifies_clean

from .captures import real_social_capture


def _capture(vault: Vault) -> tuple[int, int, int]:
    """A social capture as the hook stores it: the web_capture, its screenshot and its social_post record."""
    case = vault.create_case("VV-MXH-CHU-THICH", "Chú thích")
    record = {"format": "forensics-toolkit/social-post/1", "platform": "facebook", "url": "https://www.facebook.com/x",
              "author": {"name": "", "handle": "", "id": "", "profile_url": ""}, "availability": {"status": "available"},
              "text": "", "counts": {}, "media": [], "comments": []}
    with vault.batch(case) as batch:
        web = batch.add_record(kind="web_capture", name="https://www.facebook.com/x", source="https://www.facebook.com/x")
        shot = batch.add_content(io.BytesIO(b"\x89PNG fake"), kind="screenshot", name="screenshot.png",
                                 source="https://www.facebook.com/x", parent=web, media_type="image/png")
        post = batch.add_content(io.BytesIO(json.dumps(record).encode()), kind="social_post", name="facebook-post.json",
                                 source="https://www.facebook.com/x", parent=web, media_type="application/json")
    return web.item.id, shot.item.id, post.item.id  # type: ignore[union-attr]


def test_annotation_is_a_logged_child_item(vault: Vault) -> None:
    web, shot, post = _capture(vault)
    added = annotate(vault, post, {"author.name": "Nguyễn Văn A"}, reason="tên hiển thị trên ảnh chụp", screenshot=shot,
                     region=(10, 20, 300, 40))
    assert added.kind == "annotation" and added.parent_id == web and added.sha256
    (entry,) = list_annotations(vault, web)
    assert entry["fields"] == [{"field": "author.name", "value": "Nguyễn Văn A"}]
    assert entry["where"]["screenshot_item"] == shot and entry["where"]["region_px"] == {"x": 10, "y": 20, "w": 300,
                                                                                         "h": 40}
    assert entry["examiner"]["name"] == vault.examiner.name and entry["record_item"] == post
    acquired = [e for e in vault.custody.entries() if e.record["action"] == "item.acquire"
                and (e.record.get("item") or {}).get("id") == added.id]
    assert len(acquired) == 1  # hashed and logged by the normal acquisition entry
    assert json.loads(b"".join(vault.read_item(vault.get_item(post))))["author"]["name"] == ""  # the record unchanged
    assert_verifies_clean(vault)


def test_cli_annotate_and_bad_input(cli_vault: Cli) -> None:
    from evidence_store import Vault as V

    vault = V.open(cli_vault.vault_dir, "correct horse battery")
    try:
        web, _shot, _post = _capture(vault)
    finally:
        vault.close()
    done = cli_vault("social", "annotate", str(web), "--field", "author.name=Trần B", "--region", "1,2,30,40",
                     "--reason", "đọc từ ảnh chụp", "--json")
    assert done.code == 0, done.err
    assert done.json()["fields"] == {"author.name": "Trần B"}  # type: ignore[index]
    for args, words in ((["--field", "nonsense=1", "--region", "1,2,3,4"], "unknown field"),
                        (["--field", "author.name=x"], "point at where"),
                        (["--field", "author.name=x", "--region", "1,2,3"], "--region must be x,y,w,h")):
        line = cli_vault("social", "annotate", str(web), *args, "--reason", "r").one_line_error()
        assert words in line


def test_annotation_end_to_end_into_the_court_report(cli_vault: Cli, repo_fixtures: Path, tmp_path: Path) -> None:
    """CLI annotate, then the court report in both languages: pdftotext shows the tool's value and the examiner's,
    with who entered it and where on the screenshot, and a field the tool did not read says so."""
    from evidence_store import Vault as V
    from tests.reports.conftest import pdf_text, squash

    vault = V.open(cli_vault.vault_dir, "correct horse battery")
    try:
        number, web, shot, record = real_social_capture(vault, repo_fixtures / "social")
        examiner = vault.examiner.name
    finally:
        vault.close()
    assert record["author"]["name"] == "Nintendo" and "shares" not in record["counts"]  # what the tool read
    done = cli_vault("social", "annotate", str(web), "--field", "author.name=Nintendo of America",
                     "--field", "counts.shares=1234", "--screenshot", str(shot), "--region", "12,34,300,40",
                     "--reason", "tên đầy đủ và số chia sẻ hiện trên ảnh chụp", "--json")
    assert done.code == 0, done.err
    for lang, words in (("vi", ("Thôngtindogiámđịnhviênbổsung", "Côngcụđọcđược", "Giámđịnhviênnhập",
                                f"dogiámđịnhviên{squash(examiner)}nhập", f"từảnhchụpmànhìnhmục#{shot}",
                                "tạix=12,y=34,300×40px", "—(khôngđọcđược)", "xemgiátrịgiámđịnhviênnhậpbêndưới")),
                        ("en", ("Completedbytheexaminer", "Readbythetool", "Enteredbytheexaminer",
                                f"enteredbyexaminer{squash(examiner)}on", f"fromthescreenshotitem#{shot}",
                                "atx=12,y=34,300×40px", "—(notread)", "seetheexaminer'sentrybelow"))):
        out = tmp_path / f"report-{lang}.pdf"
        made = cli_vault("report", number, "--kind", "court", "--lang", lang, "--out", str(out))
        assert made.code == 0, made.err
        text = squash(pdf_text(out))
        for word in words:
            assert word in text, (lang, word)
        assert "NintendoofAmerica" in text and "1234" in text
        assert squash("tên đầy đủ và số chia sẻ hiện trên ảnh chụp") in text
